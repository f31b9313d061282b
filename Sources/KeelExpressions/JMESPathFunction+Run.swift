import KeelCore

/// The bodies of the built-in functions. `call` has already checked every argument against the
/// signature, so the pattern matches below only fail on programming errors.
extension JMESPathFunction {
    func run(_ arguments: [JMESPathArgument]) throws(JMESPathError) -> JSONValue {
        let values = arguments.map { argument -> JSONValue in
            if case .value(let value) = argument { return value }
            return .null
        }
        switch self {
        case .abs:
            switch values[0] {
            case .int(let value): return value == .min ? .double(-Double(value)) : .int(Swift.abs(value))
            case .double(let value): return .double(Swift.abs(value))
            default: return .null
            }
        case .avg:
            let numbers = values[0].arrayValue ?? []
            guard !numbers.isEmpty else { return .null }
            return .double(numbers.reduce(0.0) { $0 + ($1.doubleValue ?? 0) } / Double(numbers.count))
        case .ceil: return Self.rounded(values[0], .up)
        case .floor: return Self.rounded(values[0], .down)
        case .contains:
            switch values[0] {
            case .array(let elements): return .bool(elements.contains { $0.isJSONEqual(to: values[1]) })
            case .string(let subject):
                guard case .string(let search) = values[1] else { return .bool(false) }
                return .bool(JMESPathValues.scalarsContain(subject, search))
            default: return .null
            }
        case .endsWith:
            let (subject, suffix) = (values[0].stringValue ?? "", values[1].stringValue ?? "")
            return .bool(subject.unicodeScalars.reversed().starts(with: suffix.unicodeScalars.reversed()))
        case .startsWith:
            let (subject, prefix) = (values[0].stringValue ?? "", values[1].stringValue ?? "")
            return .bool(subject.unicodeScalars.starts(with: prefix.unicodeScalars))
        case .join:
            let strings = (values[1].arrayValue ?? []).compactMap(\.stringValue)
            return .string(strings.joined(separator: values[0].stringValue ?? ""))
        case .keys:
            return .array(JMESPathValues.sortedKeys(values[0].objectValue ?? [:]).map { .string($0) })
        case .values:
            let members = values[0].objectValue ?? [:]
            return .array(JMESPathValues.sortedKeys(members).map { members[$0]! })
        case .length:
            switch values[0] {
            case .string(let string): return .int(Int64(string.unicodeScalars.count))
            case .array(let elements): return .int(Int64(elements.count))
            case .object(let members): return .int(Int64(members.count))
            default: return .null
            }
        case .map:
            guard case .expression(let node) = arguments[0] else { return .null }
            var results: [JSONValue] = []
            for element in values[1].arrayValue ?? [] { results.append(try JMESPathInterpreter.evaluate(node, element)) }
            return .array(results)
        case .max, .min:
            let elements = values[0].arrayValue ?? []
            guard try Self.homogeneousSortKeys(elements, function: self) else { return .null }
            return Self.extreme(elements, keys: elements, largest: self == .max)
        case .maxBy, .minBy:
            let elements = values[0].arrayValue ?? []
            let keys = try Self.sortKeys(elements, arguments[1])
            guard try Self.homogeneousSortKeys(keys, function: self) else { return .null }
            return Self.extreme(elements, keys: keys, largest: self == .maxBy)
        case .sort:
            let elements = values[0].arrayValue ?? []
            _ = try Self.homogeneousSortKeys(elements, function: self)
            return .array(Self.stableSorted(elements, keys: elements))
        case .sortBy:
            let elements = values[0].arrayValue ?? []
            let keys = try Self.sortKeys(elements, arguments[1])
            _ = try Self.homogeneousSortKeys(keys, function: self)
            return .array(Self.stableSorted(elements, keys: keys))
        case .merge:
            var merged: [String: JSONValue] = [:]
            for value in values {
                merged.merge(value.objectValue ?? [:]) { _, later in later }
            }
            return .object(merged)
        case .notNull:
            return values.first { !$0.isNull } ?? .null
        case .reverse:
            switch values[0] {
            case .string(let string): return .string(String(String.UnicodeScalarView(string.unicodeScalars.reversed())))
            case .array(let elements): return .array(elements.reversed())
            default: return .null
            }
        case .sum:
            return Self.sum(values[0].arrayValue ?? [])
        case .toArray:
            if case .array = values[0] { return values[0] }
            return .array([values[0]])
        case .toString:
            if case .string = values[0] { return values[0] }
            return .string(values[0].jsonString)
        case .toNumber:
            switch values[0] {
            case .int, .double: return values[0]
            case .string(let string):
                // A string converts when it is a JSON number; anything else is null.
                guard let parsed = try? JSONValue.parse(string), JMESPathValues.isNumber(parsed) else { return .null }
                return parsed
            default: return .null
            }
        case .type:
            return .string(JMESPathValues.typeName(values[0]))
        }
    }

    private static func rounded(_ value: JSONValue, _ rule: FloatingPointRoundingRule) -> JSONValue {
        switch value {
        case .int: return value
        case .double(let number):
            let result = number.rounded(rule)
            // An integral result is an integer, as in the reference implementation, when it fits.
            if let integer = Int64(exactly: result) { return .int(integer) }
            return .double(result)
        default: return .null
        }
    }

    private static func sum(_ numbers: [JSONValue]) -> JSONValue {
        var integerTotal: Int64 = 0
        var exact = true
        for number in numbers {
            guard case .int(let value) = number else {
                exact = false
                break
            }
            let (next, overflow) = integerTotal.addingReportingOverflow(value)
            if overflow {
                exact = false
                break
            }
            integerTotal = next
        }
        if exact { return .int(integerTotal) }
        return .double(numbers.reduce(0.0) { $0 + ($1.doubleValue ?? 0) })
    }

    /// The results of `reference` applied to each element.
    private static func sortKeys(_ elements: [JSONValue], _ reference: JMESPathArgument) throws(JMESPathError) -> [JSONValue] {
        guard case .expression(let node) = reference else { return [] }
        var keys: [JSONValue] = []
        keys.reserveCapacity(elements.count)
        for element in elements { keys.append(try JMESPathInterpreter.evaluate(node, element)) }
        return keys
    }

    /// Throws unless the keys are all numbers or all strings; false when there are none.
    private static func homogeneousSortKeys(_ keys: [JSONValue], function: JMESPathFunction) throws(JMESPathError) -> Bool {
        guard let first = keys.first else { return false }
        let wantsNumber = JMESPathValues.isNumber(first)
        guard wantsNumber || first.stringValue != nil else {
            throw .invalidType("\(function.rawValue)() needs numbers or strings to order by, got \(JMESPathValues.typeName(first))")
        }
        for key in keys where wantsNumber ? !JMESPathValues.isNumber(key) : key.stringValue == nil {
            let expected = wantsNumber ? "number" : "string"
            throw .invalidType("\(function.rawValue)() needs every value to order by to be a \(expected), got \(JMESPathValues.typeName(key))")
        }
        return true
    }

    /// The first element whose key is largest (or smallest), as Python's `max`/`min` choose.
    private static func extreme(_ elements: [JSONValue], keys: [JSONValue], largest: Bool) -> JSONValue {
        var best = 0
        for index in keys.indices.dropFirst() {
            let order = JMESPathValues.compareSortKeys(keys[index], keys[best])
            if largest ? order > 0 : order < 0 { best = index }
        }
        return elements[best]
    }

    /// Sorted by key; equal keys keep their original order (the index breaks ties), so the sort
    /// is stable whatever the standard library's algorithm guarantees.
    private static func stableSorted(_ elements: [JSONValue], keys: [JSONValue]) -> [JSONValue] {
        let order = keys.indices.sorted { a, b in
            let comparison = JMESPathValues.compareSortKeys(keys[a], keys[b])
            return comparison != 0 ? comparison < 0 : a < b
        }
        return order.map { elements[$0] }
    }
}
