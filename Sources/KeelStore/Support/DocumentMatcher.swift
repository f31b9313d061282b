import KeelCore

/// Evaluates `[FieldFilter]` on documents with MongoDB's query semantics.
///
/// Guarantees:
/// - All filters must hold (AND).
/// - Comparisons are type-bracketed: `equals`/ranges only match values of the filter value's
///   type class (all numbers are one class, compared by value), ordered by `DocumentValue.compare`.
/// - A missing field: matches `equals(.null)`, `greaterThanOrEqual(.null)`,
///   `lessThanOrEqual(.null)`, `oneOf` containing null, `notEquals(x)` for non-null `x`, and
///   `exists(false)`; nothing else.
/// - An array field matches when any element matches, or the whole array does.
/// - `notEquals(x)` is exactly the negation of `equals(x)`.
public enum DocumentMatcher {
    public static func matches(_ document: Document, _ filters: [FieldFilter]) -> Bool {
        for filter in filters where !matches(DocumentPath.value(at: filter.path, in: document), filter.condition) {
            return false
        }
        return true
    }

    /// Throws `.invalidRequest` for empty paths.
    public static func validate(_ filters: [FieldFilter]) throws(StoreError) {
        for filter in filters { try DocumentPath.validate(filter.path, "filter") }
    }

    public static func matches(_ value: DocumentValue?, _ condition: FieldFilter.Condition) -> Bool {
        switch condition {
        case .exists(let expected): return (value != nil) == expected
        case .equals(let target): return equals(value, target)
        case .notEquals(let target): return !equals(value, target)
        case .oneOf(let targets): return targets.contains { equals(value, $0) }
        case .greaterThan(let target): return range(value, target) { $0 > 0 }
        case .greaterThanOrEqual(let target): return range(value, target) { $0 >= 0 }
        case .lessThan(let target): return range(value, target) { $0 < 0 }
        case .lessThanOrEqual(let target): return range(value, target) { $0 <= 0 }
        }
    }

    @inline(__always)
    static func equals(_ value: DocumentValue?, _ target: DocumentValue) -> Bool {
        guard let value else { return target == .null }
        return any(value) { same($0, target) }
    }

    @inline(__always)
    static func range(_ value: DocumentValue?, _ target: DocumentValue, _ accept: (Int) -> Bool) -> Bool {
        guard let value else { return target == .null && accept(0) }
        return any(value) { candidate in
            candidate.typeClass == target.typeClass && accept(DocumentValue.compare(candidate, target))
        }
    }

    @inline(__always)
    static func same(_ a: DocumentValue, _ b: DocumentValue) -> Bool {
        a.typeClass == b.typeClass && DocumentValue.compare(a, b) == 0
    }

    /// The value itself, then (for arrays) each element.
    @inline(__always)
    static func any(_ value: DocumentValue, _ predicate: (DocumentValue) -> Bool) -> Bool {
        if predicate(value) { return true }
        if case .array(let elements) = value { return elements.contains(where: predicate) }
        return false
    }
}
