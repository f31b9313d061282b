import KeelCore

/// Value helpers shared by the interpreter and the functions: type names, number and string
/// ordering, and a deterministic order for object members.
enum JMESPathValues {
    /// The specification's type name of a value.
    static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "boolean"
        case .int, .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    static func isNumber(_ value: JSONValue) -> Bool {
        switch value {
        case .int, .double: return true
        default: return false
        }
    }

    /// -1, 0 or 1 for two numbers, exact across `Int64` and `Double`; `nil` unless both are
    /// numbers (booleans are not numbers).
    static func compareNumbers(_ lhs: JSONValue, _ rhs: JSONValue) -> Int? {
        switch (lhs, rhs) {
        case (.int(let a), .int(let b)): return a < b ? -1 : (a == b ? 0 : 1)
        case (.double(let a), .double(let b)): return a < b ? -1 : (a == b ? 0 : 1)
        case (.int(let a), .double(let b)): return compareMixed(a, b)
        case (.double(let a), .int(let b)): return -compareMixed(b, a)
        default: return nil
        }
    }

    /// An integer against a double without rounding the integer through `Double` (which loses
    /// precision beyond 2^53).
    private static func compareMixed(_ a: Int64, _ b: Double) -> Int {
        if b.isNaN { return 1 }
        if b >= 9_223_372_036_854_775_808.0 { return -1 }
        if b < -9_223_372_036_854_775_808.0 { return 1 }
        let whole = b.rounded(.towardZero)
        let truncated = Int64(whole)
        if a != truncated { return a < truncated ? -1 : 1 }
        let fraction = b - whole
        return fraction > 0 ? -1 : (fraction < 0 ? 1 : 0)
    }

    /// Code-point order, as the reference implementation (Python) compares strings. Swift's own
    /// `<` compares by canonical equivalence, which would order some strings differently.
    static func precedes(_ lhs: String, _ rhs: String) -> Bool {
        lhs.unicodeScalars.lexicographicallyPrecedes(rhs.unicodeScalars)
    }

    /// Orders two values already known to be both numbers or both strings.
    static func compareSortKeys(_ lhs: JSONValue, _ rhs: JSONValue) -> Int {
        if let order = compareNumbers(lhs, rhs) { return order }
        guard case .string(let a) = lhs, case .string(let b) = rhs else { return 0 }
        if precedes(a, b) { return -1 }
        return precedes(b, a) ? 1 : 0
    }

    /// Object members in code-point order of their keys. `JSONValue` objects keep no insertion
    /// order, so `*`, `keys` and `values` use this order to stay deterministic.
    static func sortedKeys(_ members: [String: JSONValue]) -> [String] {
        members.keys.sorted(by: precedes)
    }

    /// Whether `needle` occurs in `haystack`, comparing Unicode scalars (no normalisation).
    static func scalarsContain(_ haystack: String, _ needle: String) -> Bool {
        let hay = Array(haystack.unicodeScalars)
        let pin = Array(needle.unicodeScalars)
        if pin.isEmpty { return true }
        guard pin.count <= hay.count else { return false }
        for start in 0...(hay.count - pin.count) where hay[start..<(start + pin.count)].elementsEqual(pin) {
            return true
        }
        return false
    }
}
