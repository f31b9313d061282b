import KeelCore
import KeelStore

extension MongoProjectionStore {
    public func find(_ target: CollectionSet, collection: String, id: String) async throws -> Document? {
        let physical = try translating { try Self.physical(target, collection) }
        return try await perform("find \(physical)") { [ttlCache] context in
            let filter = try context.visible(["_id": .string(id)], in: physical, cache: ttlCache)
            return try context.find(physical, filter: filter, options: ["limit": 1], operation: "find \(physical)").first
        }
    }

    /// One `_id: {$in: ids}` query (the `_id` index answers it).
    public func find(_ target: CollectionSet, collection: String, ids: [String]) async throws -> [String: Document] {
        if ids.isEmpty { return [:] }
        let physical = try translating { try Self.physical(target, collection) }
        let unique = Array(Set(ids))
        let rows = try await perform("find \(physical)") { [ttlCache] context in
            let filter = try context.visible(
                ["_id": .document(["$in": .value(.array(unique.map(DocumentValue.string)))])], in: physical, cache: ttlCache)
            return try context.find(physical, filter: filter, options: [:], operation: "find \(physical)")
        }
        var found: [String: Document] = [:]
        for row in rows {
            if case .string(let id)? = row["_id"] { found[id] = row }
        }
        return found
    }

    /// One page: filter (and the cursor's range condition), sort then `_id`, `limit + 1` rows
    /// read to know whether another page follows.
    public func query(_ query: DocumentQuery) async throws -> DocumentPage {
        let physical = try translating { try Self.physical(query.target, query.collection) }
        let keys = Self.cursorSort(query.sort)
        let sort = keys.contains { $0.path == "_id" } ? keys : keys + [SortField("_id")]
        let limit = max(0, query.limit)
        let (filter, sortDocument) = try translating { () throws -> (BSONDoc, BSONDoc) in
            for field in sort { try FilterTranslation.validate(field.path, "sort") }
            var filter = try FilterTranslation.query(query.filter)
            if let after = query.after {
                var key = try QueryCursor.decode(after, sort: query.sort)
                key.values = Array(key.values.prefix(keys.count))
                filter = FilterTranslation.and(filter, QueryCursor.after(key, sort: keys))
            }
            return (filter, BSONDoc(sort.map { ($0.path, BSONItem.int32($0.ascending ? 1 : -1)) }))
        }
        guard limit > 0 else { return DocumentPage(documents: [], nextCursor: nil) }
        let rows = try await perform("query \(physical)") { [ttlCache] context in
            // Each page hides what has expired by its own `now`.
            let visible = try context.visible(filter, in: physical, cache: ttlCache)
            return try context.find(
                physical, filter: visible, options: ["sort": .document(sortDocument), "limit": .int64(Int64(limit) + 1)],
                operation: "query \(physical)")
        }
        let documents = Array(rows.prefix(limit))
        var next: String?
        if rows.count > limit, let last = documents.last {
            next = try translating {
                try QueryCursor.encode(QueryCursor.key(of: last, sort: keys), sort: query.sort)
            }
        }
        return DocumentPage(documents: documents, nextCursor: next)
    }

    public func count(_ target: CollectionSet, collection: String, filter: [FieldFilter]) async throws -> Int {
        let physical = try translating { try Self.physical(target, collection) }
        let query = try translating { try FilterTranslation.query(filter) }
        return try await perform("count \(physical)") { [ttlCache] context in
            try context.count(physical, filter: try context.visible(query, in: physical, cache: ttlCache), operation: "count \(physical)")
        }
    }

    public func aggregate(_ aggregation: Aggregation) async throws -> [AggregationRow] {
        let physical = try translating { try Self.physical(aggregation.target, aggregation.collection) }
        let pipeline = try translating { try AggregationTranslation.pipeline(aggregation) }
        let documents = try await perform("aggregate \(physical)") { [ttlCache] context in
            // Expired documents leave before any other stage (the server merges adjacent `$match`es).
            let visible = try context.visible([:], in: physical, cache: ttlCache)
            let stages = visible.isEmpty ? pipeline : [.document(["$match": .document(visible)])] + pipeline
            return try context.aggregate(physical, pipeline: stages, operation: "aggregate \(physical)")
        }
        return documents.map { AggregationTranslation.row($0, aggregation) }
    }

    static func physical(_ target: CollectionSet, _ collection: String) throws -> String {
        guard !collection.isEmpty, !collection.hasPrefix("$"), !collection.contains("\0"), !collection.hasPrefix("system.") else {
            throw MongoFailure.invalid("invalid collection name '\(collection)'")
        }
        return target.physicalName(collection)
    }

    /// The sort fields that decide the order: the query's, up to and including the first `_id`
    /// (`_id` is unique, so later fields never matter; without one, `_id` ascending follows).
    static func cursorSort(_ sort: [SortField]) -> [SortField] {
        guard let index = sort.firstIndex(where: { $0.path == "_id" }) else { return sort }
        return Array(sort[...index])
    }
}
