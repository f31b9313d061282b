import KeelCore

/// Evaluates compiled trees. Recursion follows the tree, whose depth the parser bounds.
enum JMESPathInterpreter {
    static func evaluate(_ node: JMESPathNode, _ value: JSONValue) throws(JMESPathError) -> JSONValue {
        switch node.kind {
        case .current:
            return value
        case .field(let name):
            return value[name] ?? .null
        case .literal(let literal):
            return literal
        case .subexpression(let left, let right), .pipe(let left, let right):
            return try evaluate(right, try evaluate(left, value))
        case .index(let index):
            guard case .array(let elements) = value else { return .null }
            let position = index < 0 ? elements.count + index : index
            return elements.indices.contains(position) ? elements[position] : .null
        case .slice(let start, let stop, let step):
            guard case .array(let elements) = value else { return .null }
            return .array(JMESPathSlice.indices(count: elements.count, start: start, stop: stop, step: step).map { elements[$0] })
        case .listProjection(let left, let right):
            guard case .array(let elements) = try evaluate(left, value) else { return .null }
            return try project(elements, right)
        case .objectProjection(let left, let right):
            guard case .object(let members) = try evaluate(left, value) else { return .null }
            return try project(JMESPathValues.sortedKeys(members).map { members[$0]! }, right)
        case .filterProjection(let left, let right, let condition):
            guard case .array(let elements) = try evaluate(left, value) else { return .null }
            var kept: [JSONValue] = []
            for element in elements where JMESPathExpression.isTruthy(try evaluate(condition, element)) {
                kept.append(element)
            }
            return try project(kept, right)
        case .flatten(let child):
            guard case .array(let elements) = try evaluate(child, value) else { return .null }
            var flattened: [JSONValue] = []
            for element in elements {
                if case .array(let inner) = element { flattened.append(contentsOf: inner) } else { flattened.append(element) }
            }
            return .array(flattened)
        case .comparison(let comparator, let left, let right):
            return compare(comparator, try evaluate(left, value), try evaluate(right, value))
        case .or(let left, let right):
            let first = try evaluate(left, value)
            return JMESPathExpression.isTruthy(first) ? first : try evaluate(right, value)
        case .and(let left, let right):
            let first = try evaluate(left, value)
            return JMESPathExpression.isTruthy(first) ? try evaluate(right, value) : first
        case .not(let child):
            return .bool(!JMESPathExpression.isTruthy(try evaluate(child, value)))
        case .multiSelectList(let elements):
            // The specification: a multi-select on null is null, not a list of nulls.
            if value.isNull { return .null }
            var results: [JSONValue] = []
            results.reserveCapacity(elements.count)
            for element in elements { results.append(try evaluate(element, value)) }
            return .array(results)
        case .multiSelectHash(let pairs):
            if value.isNull { return .null }
            var members: [String: JSONValue] = [:]
            for pair in pairs { members[pair.key] = try evaluate(pair.value, value) }
            return .object(members)
        case .function(let function, let argumentNodes):
            var arguments: [JMESPathArgument] = []
            arguments.reserveCapacity(argumentNodes.count)
            for argument in argumentNodes {
                if case .expressionReference(let reference) = argument.kind {
                    arguments.append(.expression(reference))
                } else {
                    arguments.append(.value(try evaluate(argument, value)))
                }
            }
            return try function.call(arguments)
        case .expressionReference:
            // Only meaningful as a function argument (handled above); on its own it has no value.
            return .null
        }
    }

    private static func project(_ elements: [JSONValue], _ right: JMESPathNode) throws(JMESPathError) -> JSONValue {
        var results: [JSONValue] = []
        results.reserveCapacity(elements.count)
        for element in elements {
            let result = try evaluate(right, element)
            if !result.isNull { results.append(result) }
        }
        return .array(results)
    }

    private static func compare(_ comparator: JMESPathComparator, _ left: JSONValue, _ right: JSONValue) -> JSONValue {
        switch comparator {
        case .equal: return .bool(left.isJSONEqual(to: right))
        case .notEqual: return .bool(!left.isJSONEqual(to: right))
        default:
            // Ordering is defined for numbers only; anything else compares to null.
            guard let order = JMESPathValues.compareNumbers(left, right) else { return .null }
            switch comparator {
            case .less: return .bool(order < 0)
            case .lessOrEqual: return .bool(order <= 0)
            case .greater: return .bool(order > 0)
            default: return .bool(order >= 0)
            }
        }
    }
}

/// Python-style slice arithmetic, which the specification adopts.
enum JMESPathSlice {
    static func indices(count: Int, start: Int?, stop: Int?, step: Int) -> [Int] {
        let lower = step > 0 ? 0 : -1
        let upper = step > 0 ? count : count - 1
        func clamp(_ value: Int?, default defaultValue: Int) -> Int {
            guard let value else { return defaultValue }
            let adjusted = value < 0 ? value + count : value
            return min(max(adjusted, lower), upper)
        }
        var position = clamp(start, default: step > 0 ? 0 : count - 1)
        let end = clamp(stop, default: step > 0 ? count : -1)
        var result: [Int] = []
        while step > 0 ? position < end : position > end {
            result.append(position)
            // Huge steps must end the walk, not overflow.
            let (next, overflow) = position.addingReportingOverflow(step)
            if overflow { break }
            position = next
        }
        return result
    }
}
