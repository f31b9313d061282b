import KeelCore

/// An ordered BSON document under construction: commands, filters, updates, sorts and index keys,
/// where field order can matter (the command name first, sort and index key order).
///
/// Plain values are `DocumentValue`s; objects inside a `DocumentValue` are written with sorted keys
/// (their order is not significant). Encode with `BSONDocument(_:)` or `BSONWriter`.
struct BSONDoc: ExpressibleByDictionaryLiteral, Sendable {
    private(set) var fields: [(String, BSONItem)]

    init(dictionaryLiteral elements: (String, BSONItem)...) {
        fields = elements
    }

    init(_ fields: [(String, BSONItem)] = []) {
        self.fields = fields
    }

    /// A document of plain values (keys sorted, for determinism).
    init(_ document: Document) {
        fields = document.keys.sorted().map { ($0, .value(document[$0]!)) }
    }

    var isEmpty: Bool { fields.isEmpty }

    mutating func append(_ key: String, _ item: BSONItem) {
        fields.append((key, item))
    }
}

/// One value in a `BSONDoc`.
indirect enum BSONItem: Sendable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    case value(DocumentValue)
    case document(BSONDoc)
    case array([BSONItem])
    /// A 32-bit integer (what the server expects for flags like sort directions and `$sum: 1`).
    case int32(Int32)

    init(stringLiteral value: String) { self = .value(.string(value)) }
    init(integerLiteral value: Int32) { self = .int32(value) }
    init(booleanLiteral value: Bool) { self = .value(.bool(value)) }

    static func string(_ value: String) -> BSONItem { .value(.string(value)) }
    static func int64(_ value: Int64) -> BSONItem { .value(.int(value)) }
    static var null: BSONItem { .value(.null) }
}
