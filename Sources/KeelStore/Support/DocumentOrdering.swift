import Foundation
import KeelCore

/// The order of query results: the sort fields (a missing field sorts as null; values by
/// `DocumentValue.compare`), then `_id` ascending as the final tie-breaker, so the order is
/// total and pages are stable.
public struct DocumentOrdering: Sendable {
    /// A row's position in the order: its sort values and `_id`.
    public struct Key: Sendable, Hashable {
        public var values: [DocumentValue]
        public var id: DocumentValue

        public init(values: [DocumentValue], id: DocumentValue) {
            self.values = values
            self.id = id
        }
    }

    public let sort: [SortField]

    public init(_ sort: [SortField]) throws(StoreError) {
        for field in sort { try DocumentPath.validate(field.path, "sort") }
        self.sort = sort
    }

    public func key(_ document: Document) -> Key {
        Key(values: sort.map { DocumentPath.value(at: $0.path, in: document) ?? .null }, id: document["_id"] ?? .null)
    }

    /// Negative, zero or positive as `a` sorts before, with or after `b`.
    public func compare(_ a: Key, _ b: Key) -> Int {
        for index in sort.indices {
            let order = DocumentValue.compare(a.values[index], b.values[index])
            if order != 0 { return sort[index].ascending ? order : -order }
        }
        return DocumentValue.compare(a.id, b.id)
    }

    /// True when the order is by `_id` alone (ascending), i.e. storage order in most stores.
    public var isIdOrder: Bool {
        sort.isEmpty || (sort.count == 1 && sort[0].path == "_id" && sort[0].ascending)
    }
}

/// Opaque, stable page cursors: base64url (no padding) of the encoded sort specification, the
/// last row's sort values and its `_id`.
///
/// Guarantees: `decode(encode(k)) == k`; a cursor made for a different sort, or not made here,
/// is rejected with `.invalidRequest` (never silently misread). A query with `after:` returns
/// exactly the rows that sort strictly after the cursor's key, so following cursors visits every
/// matching document once, even while documents are inserted between pages. A cursor longer than
/// `maximumLength` characters or nested deeper than `JSONLimits.maximumDecodedDepth` is refused
/// with `.invalidRequest` before any of it is used (cursors come from clients).
public enum PageCursor {
    /// The longest cursor accepted, in characters: room for sort values of several KiB.
    public static let maximumLength = 16 * 1024

    public static func encode(_ key: DocumentOrdering.Key, ordering: DocumentOrdering) -> String {
        let value = DocumentValue.array([specification(ordering), .array(key.values), key.id])
        return Data(DocumentCodec.encode(value)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public static func decode(_ cursor: String, ordering: DocumentOrdering) throws(StoreError) -> DocumentOrdering.Key {
        try checkLength(cursor)
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64),
            case .array(let parts)? = try? DocumentCodec.decodeValue([UInt8](data)),
            parts.count == 3, case .array(let values) = parts[1]
        else {
            throw StoreError(.invalidRequest, "invalid cursor '\(cursor.prefix(40))'")
        }
        guard parts[0] == specification(ordering), values.count == ordering.sort.count else {
            throw StoreError(.invalidRequest, "the cursor belongs to a query with a different sort")
        }
        return DocumentOrdering.Key(values: values, id: parts[2])
    }

    /// Refuses a cursor too long to be one of ours (every store's cursors share this bound).
    public static func checkLength(_ cursor: String) throws(StoreError) {
        guard cursor.utf8.count <= maximumLength else {
            throw StoreError(.invalidRequest, "invalid cursor: longer than \(maximumLength) characters")
        }
    }

    private static func specification(_ ordering: DocumentOrdering) -> DocumentValue {
        .array(ordering.sort.map { .array([.string($0.path), .bool($0.ascending)]) })
    }
}
