import Foundation
import KeelCore
import KeelStore

/// Stable page cursors for `DocumentQuery`: the last row's sort values and `_id`, and the range
/// condition that selects exactly the rows sorting strictly after them.
///
/// Guarantees: the cursor is base64url of BSON `{s: [[path, ascending]…], v: [values…], id}`; one made
/// for a different sort (or not made here) is refused with `.invalidRequest`. `after` follows
/// MongoDB's sort order — a missing field sorts as null, then numbers, strings, objects, arrays,
/// binaries, bools, dates (the `DocumentValue.compare` order) — by combining range operators with
/// `$type` clauses, because MongoDB's `$gt`/`$lt` only match values of the same type bracket.
enum QueryCursor {
    struct Key {
        var values: [DocumentValue]
        var id: DocumentValue
    }

    static func key(of document: Document, sort: [SortField]) -> Key {
        Key(values: sort.map { DocumentValue.object(document).value(atPath: $0.path) ?? .null }, id: document["_id"] ?? .null)
    }

    static func encode(_ key: Key, sort: [SortField]) throws -> String {
        let body: BSONDoc = ["s": .value(specification(sort)), "v": .value(.array(key.values)), "id": .value(key.id)]
        return Data(try BSONWriter.encode(body)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Refuses a cursor longer than `PageCursor.maximumLength` or nested deeper than
    /// `JSONLimits.maximumDecodedDepth` (the reader's bound) as `.invalid`: cursors come from clients.
    static func decode(_ cursor: String, sort: [SortField]) throws -> Key {
        do {
            try PageCursor.checkLength(cursor)
        } catch {
            throw MongoFailure.invalid(error.message)
        }
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let body = try? BSONReader.decode([UInt8](data)),
            case .array(let values)? = body["v"], let id = body["id"]
        else {
            throw MongoFailure.invalid("invalid cursor '\(cursor.prefix(40))'")
        }
        guard body["s"] == specification(sort), values.count <= sort.count else {
            throw MongoFailure.invalid("the cursor belongs to a query with a different sort")
        }
        return Key(values: values, id: id)
    }

    /// The rows strictly after `key` in the order `sort` then `_id` ascending.
    static func after(_ key: Key, sort: [SortField]) -> BSONDoc {
        var alternatives: [BSONItem] = []
        for index in sort.indices {
            var clauses: [BSONItem] = sort[..<index].enumerated().map { offset, field in
                .document(equal(field.path, key.values[offset]))
            }
            clauses.append(.document(beyond(sort[index].path, key.values[index], ascending: sort[index].ascending)))
            alternatives.append(.document(["$and": .array(clauses)]))
        }
        var last: [BSONItem] = sort.enumerated().map { offset, field in .document(equal(field.path, key.values[offset])) }
        last.append(.document(["_id": .document(["$gt": .value(key.id)])]))
        alternatives.append(.document(["$and": .array(last)]))
        return ["$or": .array(alternatives)]
    }

    private static func equal(_ path: String, _ value: DocumentValue) -> BSONDoc {
        [path: .document(["$eq": .value(value)])]
    }

    /// Values sorting strictly after (ascending) or before (descending) `value`.
    private static func beyond(_ path: String, _ value: DocumentValue, ascending: Bool) -> BSONDoc {
        let rank = value.typeClass
        if ascending {
            let higher = typeNames.filter { $0.rank > rank }.map { BSONItem.string($0.name) }
            var options: [BSONItem] = []
            if value != .null { options.append(.document([path: .document(["$gt": .value(value)])])) }
            if !higher.isEmpty { options.append(.document([path: .document(["$type": .array(higher)])])) }
            return ["$or": .array(options)]
        }
        let lower = typeNames.filter { $0.rank < rank && $0.rank > 0 }.map { BSONItem.string($0.name) }
        var options: [BSONItem] = []
        guard value != .null else { return ["_id": .document(["$exists": false])] }  // nothing sorts below null
        options.append(.document([path: .document(["$lt": .value(value)])]))
        if !lower.isEmpty { options.append(.document([path: .document(["$type": .array(lower)])])) }
        options.append(.document([path: .document(["$eq": .null])]))  // null or missing
        return ["$or": .array(options)]
    }

    private static let typeNames: [(name: String, rank: Int)] = [
        ("null", 0), ("int", 1), ("long", 1), ("double", 1), ("decimal", 1), ("string", 2), ("object", 3),
        ("array", 4), ("binData", 5), ("bool", 6), ("date", 7),
    ]

    private static func specification(_ sort: [SortField]) -> DocumentValue {
        .array(sort.map { .array([.string($0.path), .bool($0.ascending)]) })
    }
}
