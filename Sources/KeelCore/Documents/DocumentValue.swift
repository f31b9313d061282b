import Foundation

/// A value in a projection document: JSON's values plus the two that analytics need exact —
/// money as `Decimal` (Decimal128 in MongoDB) and instants as UTC milliseconds (BSON dates).
///
/// Field order is not significant; documents compare equal by content.
public enum DocumentValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case decimal(Decimal)
    case string(String)
    /// Milliseconds since the Unix epoch, UTC.
    case date(Int64)
    case binary([UInt8])
    case array([DocumentValue])
    case object([String: DocumentValue])
}

/// A projection document. Every stored document has a string `_id`.
public typealias Document = [String: DocumentValue]

extension DocumentValue {
    public var stringValue: String? { if case .string(let value) = self { value } else { nil } }
    public var intValue: Int64? { if case .int(let value) = self { value } else { nil } }
    public var dateValue: Int64? { if case .date(let value) = self { value } else { nil } }
    public var objectValue: Document? { if case .object(let value) = self { value } else { nil } }
    public var arrayValue: [DocumentValue]? { if case .array(let value) = self { value } else { nil } }

    /// The value as a Decimal when it is numeric (int, double or decimal).
    public var decimalValue: Decimal? {
        switch self {
        case .int(let value): Decimal(value)
        case .double(let value): Decimal(value)
        case .decimal(let value): value
        default: nil
        }
    }

    /// Looks up a dotted path (`a.b.c`) through nested objects.
    public func value(atPath path: String) -> DocumentValue? {
        var current = self
        for component in path.split(separator: ".", omittingEmptySubsequences: false) {
            guard case .object(let object) = current, let next = object[String(component)] else { return nil }
            current = next
        }
        return current
    }

    /// A JSON rendering: decimals become strings (exactness over convenience), dates RFC 3339 strings.
    public var json: JSONValue {
        switch self {
        case .null: .null
        case .bool(let value): .bool(value)
        case .int(let value): .int(value)
        case .double(let value): .double(value)
        case .decimal(let value): .string("\(value)")
        case .string(let value): .string(value)
        case .date(let milliseconds): .string(RFC3339.format(milliseconds: milliseconds))
        case .binary(let bytes): .string(Data(bytes).base64EncodedString())
        case .array(let values): .array(values.map(\.json))
        case .object(let object): .object(object.mapValues(\.json))
        }
    }
}

extension DocumentValue {
    /// The total order used by sorts, range filters, `$min`/`$max` and cursors: MongoDB's
    /// cross-type order (null < numbers < strings < objects < arrays < binary < bool < date),
    /// numbers compared by value across int, double and decimal.
    public static func compare(_ lhs: DocumentValue, _ rhs: DocumentValue) -> Int {
        let (left, right) = (lhs.typeClass, rhs.typeClass)
        if left != right { return left < right ? -1 : 1 }
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): return a == b ? 0 : (Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8)) ? -1 : 1)
        case (.bool(let a), .bool(let b)): return a == b ? 0 : (!a ? -1 : 1)
        case (.date(let a), .date(let b)): return a == b ? 0 : (a < b ? -1 : 1)
        case (.binary(let a), .binary(let b)):
            if a.count != b.count { return a.count < b.count ? -1 : 1 }
            return a == b ? 0 : (a.lexicographicallyPrecedes(b) ? -1 : 1)
        case (.array(let a), .array(let b)):
            for (x, y) in zip(a, b) {
                let order = compare(x, y)
                if order != 0 { return order }
            }
            return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
        case (.object(let a), .object(let b)):
            let keys = Set(a.keys).union(b.keys).sorted()
            for key in keys {
                let order = compare(a[key] ?? .null, b[key] ?? .null)
                if order != 0 { return order }
            }
            return 0
        default:
            if case .double(let a) = lhs, case .double(let b) = rhs { return a == b ? 0 : (a < b ? -1 : 1) }
            guard let a = lhs.decimalValue, let b = rhs.decimalValue else { return 0 }
            return a == b ? 0 : (a < b ? -1 : 1)
        }
    }

    /// MongoDB's type bracket, in its cross-type sort order: range and equality filters only
    /// match values of the same class, and all numbers are one class.
    @inline(__always)
    public var typeClass: Int {
        switch self {
        case .null: 0
        case .int, .double, .decimal: 1
        case .string: 2
        case .object: 3
        case .array: 4
        case .binary: 5
        case .bool: 6
        case .date: 7
        }
    }
}
