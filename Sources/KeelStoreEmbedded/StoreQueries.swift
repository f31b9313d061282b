import KeelCore
import KeelStore

/// The read side, run on reader threads (each on its own connection). Every read is one
/// SELECT, hence one WAL snapshot: a read never sees half of a batch or of a promote.
/// Documents whose TTL expiry has passed are invisible.
///
/// Filters, sorts and aggregations are evaluated in Swift (`DocumentMatcher`,
/// `DocumentOrdering`, `AggregationEvaluator`) over the collection's rows; queries ordered by
/// `_id` alone stop as soon as the page is full.
enum StoreQueries {
    static let visible = "(expires IS NULL OR expires > ?2)"

    static func checkpoint(_ db: SQLiteConnection, projection: String, generation: String) throws(StoreError) -> [LogPosition: Int64] {
        let select = try db.statement("SELECT topic, partition, next_offset FROM checkpoints WHERE projection = ?1 AND generation = ?2")
        select.bind(1, projection)
        select.bind(2, generation)
        defer { select.reset() }
        var positions: [LogPosition: Int64] = [:]
        while try select.step() {
            positions[LogPosition(select.string(0) ?? "", Int32(truncatingIfNeeded: select.int64(1)))] = select.int64(2)
        }
        return positions
    }

    static func generations(_ db: SQLiteConnection, projection: String) throws(StoreError) -> [CollectionSet] {
        let select = try db.statement("SELECT generation FROM generations WHERE projection = ?1 ORDER BY generation")
        select.bind(1, projection)
        defer { select.reset() }
        var result: [CollectionSet] = []
        while try select.step() {
            let generation = select.string(0) ?? ""
            result.append(CollectionSet(projection: projection, generation: generation == StoreSchema.live ? nil : generation))
        }
        return result
    }

    /// A document by id; `keyedSet`: the collection is a keyed set (`keyedSetLayout`), whose
    /// entries are not in `docs`.
    static func find(_ db: SQLiteConnection, collection: String, id: String, now: Int64, keyedSet: Bool) throws(StoreError) -> Document? {
        if keyedSet { return try findKeyed(db, collection: collection, id: id, now: now) }
        let select = try db.statement("SELECT body FROM docs WHERE coll = ?1 AND \(visible) AND id = ?3")
        select.bind(1, collection)
        select.bind(2, now)
        select.bind(3, id)
        defer { select.reset() }
        guard try select.step() else { return nil }
        return try decode(select, 0)
    }

    /// Calls `body` with each visible document of the collection, in `_id` order from `after`
    /// (exclusive), until it returns false.
    static func scan(
        _ db: SQLiteConnection, collection: String, now: Int64, afterID: String? = nil,
        _ body: (Document) throws(StoreError) -> Bool
    ) throws(StoreError) {
        if try keyedSetLayout(db, collection: collection) != nil {
            return try scanKeyed(db, collection: collection, now: now, afterID: afterID, body)
        }
        let sql =
            afterID == nil
            ? "SELECT body FROM docs WHERE coll = ?1 AND \(visible) ORDER BY id"
            : "SELECT body FROM docs WHERE coll = ?1 AND \(visible) AND id > ?3 ORDER BY id"
        let select = try db.statement(sql)
        select.bind(1, collection)
        select.bind(2, now)
        if let afterID { select.bind(3, afterID) }
        defer { select.reset() }
        while try select.step() {
            guard try body(try decode(select, 0)) else { return }
        }
    }

    static func query(_ db: SQLiteConnection, _ query: DocumentQuery, now: Int64) throws(StoreError) -> DocumentPage {
        guard query.limit >= 1 else { throw StoreError(.invalidRequest, "query limit must be at least 1 (got \(query.limit))") }
        try DocumentMatcher.validate(query.filter)
        let ordering = try DocumentOrdering(query.sort)
        let after = try query.after.map { (cursor) throws(StoreError) in try PageCursor.decode(cursor, ordering: ordering) }
        let collection = query.target.physicalName(query.collection)
        var rows: [(DocumentOrdering.Key, Document)] = []
        if ordering.isIdOrder {
            var afterID: String?
            if let after {
                guard case .string(let id) = after.id else { throw StoreError(.invalidRequest, "invalid cursor: _id is not a string") }
                afterID = id
            }
            try scan(db, collection: collection, now: now, afterID: afterID) { document in
                if DocumentMatcher.matches(document, query.filter) { rows.append((ordering.key(document), document)) }
                return rows.count <= query.limit
            }
        } else {
            try scan(db, collection: collection, now: now) { document in
                guard DocumentMatcher.matches(document, query.filter) else { return true }
                let key = ordering.key(document)
                if let after, ordering.compare(key, after) <= 0 { return true }
                rows.append((key, document))
                return true
            }
            rows.sort { ordering.compare($0.0, $1.0) < 0 }
        }
        guard rows.count > query.limit else { return DocumentPage(documents: rows.map(\.1), nextCursor: nil) }
        let page = rows.prefix(query.limit)
        return DocumentPage(documents: page.map(\.1), nextCursor: PageCursor.encode(page.last!.0, ordering: ordering))
    }

    static func count(_ db: SQLiteConnection, collection: String, filter: [FieldFilter], now: Int64) throws(StoreError) -> Int {
        try DocumentMatcher.validate(filter)
        if filter.isEmpty, try keyedSetLayout(db, collection: collection) != nil {
            return try countKeyed(db, collection: collection, now: now)
        }
        if filter.isEmpty {
            let select = try db.statement("SELECT count(*) FROM docs WHERE coll = ?1 AND \(visible)")
            select.bind(1, collection)
            select.bind(2, now)
            defer { select.reset() }
            return try select.step() ? Int(select.int64(0)) : 0
        }
        var count = 0
        try scan(db, collection: collection, now: now) { document in
            if DocumentMatcher.matches(document, filter) { count += 1 }
            return true
        }
        return count
    }

    static func aggregate(_ db: SQLiteConnection, _ aggregation: Aggregation, now: Int64) throws(StoreError) -> [AggregationRow] {
        var evaluator = try AggregationEvaluator(aggregation)
        try scan(db, collection: aggregation.target.physicalName(aggregation.collection), now: now) { document in
            if DocumentMatcher.matches(document, aggregation.filter) { evaluator.add(document) }
            return true
        }
        return evaluator.rows()
    }

    static func decode(_ statement: SQLiteStatement, _ column: Int32) throws(StoreError) -> Document {
        try statement.withBytes(column) { (bytes) throws(StoreError) -> Document in
            try DocumentCodec.decodeDocument(bytes ?? UnsafeRawBufferPointer(start: nil, count: 0))
        }
    }
}
