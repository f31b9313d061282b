import KeelCore

/// An argument as a function receives it: a value, or an unevaluated `&expression`.
enum JMESPathArgument: Sendable {
    case value(JSONValue)
    case expression(JMESPathNode)
}

/// The types a function parameter accepts, as in the specification's signatures.
struct JMESPathArgumentTypes: OptionSet, Sendable {
    let rawValue: Int

    static let number = Self(rawValue: 1 << 0)
    static let string = Self(rawValue: 1 << 1)
    static let boolean = Self(rawValue: 1 << 2)
    static let array = Self(rawValue: 1 << 3)
    static let object = Self(rawValue: 1 << 4)
    static let null = Self(rawValue: 1 << 5)
    static let expression = Self(rawValue: 1 << 6)
    /// `array[number]`: an array whose every element is a number (the empty array qualifies).
    static let arrayOfNumbers = Self(rawValue: 1 << 7)
    /// `array[string]`.
    static let arrayOfStrings = Self(rawValue: 1 << 8)
    static let any: Self = [.number, .string, .boolean, .array, .object, .null]

    func accepts(_ argument: JMESPathArgument) -> Bool {
        guard case .value(let value) = argument else { return contains(.expression) }
        switch value {
        case .null: return contains(.null)
        case .bool: return contains(.boolean)
        case .int, .double: return contains(.number)
        case .string: return contains(.string)
        case .object: return contains(.object)
        case .array(let elements):
            if contains(.array) { return true }
            if contains(.arrayOfNumbers), elements.allSatisfy(JMESPathValues.isNumber) { return true }
            if contains(.arrayOfStrings), elements.allSatisfy({ $0.stringValue != nil }) { return true }
            return false
        }
    }

    var description: String {
        let names: [(Self, String)] = [
            (.number, "number"), (.string, "string"), (.boolean, "boolean"), (.array, "array"), (.object, "object"),
            (.null, "null"), (.expression, "expression"), (.arrayOfNumbers, "array[number]"), (.arrayOfStrings, "array[string]"),
        ]
        if self == .any { return "any" }
        return names.filter { contains($0.0) }.map(\.1).joined(separator: "|")
    }
}

/// The built-in functions of the specification. Resolved at compile time, so an unknown name or
/// a wrong argument count fails `JMESPathExpression.init` rather than a later evaluation.
enum JMESPathFunction: String, Sendable, CaseIterable {
    case abs, avg, ceil, contains, floor, join, keys, length, map, max, merge, min, reverse, sort, sum, type, values
    case endsWith = "ends_with"
    case maxBy = "max_by"
    case minBy = "min_by"
    case notNull = "not_null"
    case sortBy = "sort_by"
    case startsWith = "starts_with"
    case toArray = "to_array"
    case toString = "to_string"
    case toNumber = "to_number"

    /// Parameter types in order; for a variadic function the last entry repeats.
    var parameters: [JMESPathArgumentTypes] {
        switch self {
        case .abs, .ceil, .floor: return [.number]
        case .avg, .sum: return [.arrayOfNumbers]
        case .contains: return [[.array, .string], .any]
        case .endsWith, .startsWith: return [.string, .string]
        case .join: return [.string, .arrayOfStrings]
        case .keys, .values, .merge: return [.object]
        case .length: return [[.string, .array, .object]]
        case .map: return [.expression, .array]
        case .max, .min, .sort: return [[.arrayOfNumbers, .arrayOfStrings]]
        case .maxBy, .minBy, .sortBy: return [.array, .expression]
        case .notNull, .toArray, .toString, .toNumber, .type: return [.any]
        case .reverse: return [[.string, .array]]
        }
    }

    var isVariadic: Bool { self == .merge || self == .notNull }

    static func resolve(_ name: String, argumentCount: Int) throws(JMESPathError) -> JMESPathFunction {
        guard let function = JMESPathFunction(rawValue: name) else {
            throw JMESPathError(kind: .unknownFunction, message: "unknown function \(name)()")
        }
        let expected = function.parameters.count
        let ok = function.isVariadic ? argumentCount >= expected : argumentCount == expected
        guard ok else {
            let count = function.isVariadic ? "at least \(expected)" : "\(expected)"
            throw JMESPathError(
                kind: .invalidArity, message: "\(name)() takes \(count) argument\(expected == 1 ? "" : "s"), got \(argumentCount)")
        }
        return function
    }

    /// Checks argument types against the signature, then runs the function.
    func call(_ arguments: [JMESPathArgument]) throws(JMESPathError) -> JSONValue {
        for (position, argument) in arguments.enumerated() {
            let accepted = parameters[Swift.min(position, parameters.count - 1)]
            guard accepted.accepts(argument) else {
                throw .invalidType(
                    "\(rawValue)() argument \(position + 1) must be \(accepted.description), got \(Self.typeName(argument))")
            }
        }
        return try run(arguments)
    }

    static func typeName(_ argument: JMESPathArgument) -> String {
        switch argument {
        case .value(let value): return JMESPathValues.typeName(value)
        case .expression: return "expression"
        }
    }
}
