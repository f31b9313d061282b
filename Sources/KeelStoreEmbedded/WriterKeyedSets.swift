import KeelCore
import KeelStore

/// Keyed sets on the writer thread: declaration, inserts from `apply`, and pruning. Each runs in
/// the job's savepoint, like every write. See `KeyedSetLayout` for the tables.
extension StoreWriter {
    /// Declares a keyed set (idempotent). The first declaration fixes the bucket size; a later one
    /// with another retention applies it to entries inserted from then on. Documents already in
    /// the collection (stored before it was declared) move into the keyed set.
    func declareKeyedSet(_ target: CollectionSet, _ spec: KeyedSetSpec) throws(StoreError) {
        guard spec.retentionSeconds >= 1 else { throw StoreError(.invalidRequest, "a keyed set's retention must be at least one second") }
        try DocumentPath.validate(spec.timeField, "keyed set time field")
        let db = try requireDB()
        let physical = target.physicalName(spec.collection)
        let layout = KeyedSetLayout(spec)
        let declare = try db.statement(
            """
            INSERT INTO keyed_sets(coll, time_field, retention_ms, bucket_ms) VALUES(?1, ?2, ?3, ?4)
            ON CONFLICT(coll) DO UPDATE SET time_field = excluded.time_field, retention_ms = excluded.retention_ms
            """)
        declare.bind(1, physical)
        declare.bind(2, layout.timeField)
        declare.bind(3, layout.retentionMs)
        declare.bind(4, layout.bucketMs)
        try declare.run()
        try register(target)
        keyedSets.layouts[physical] = nil
        try migrateDocuments(physical)
    }

    /// The layout of a physical collection, or nil when it is not a keyed set (cached).
    func keyedSetLayout(_ collection: String) throws(StoreError) -> KeyedSetLayout? {
        if let cached = keyedSets.layouts[collection] { return cached }
        let layout = try StoreQueries.keyedSetLayout(try requireDB(), collection: collection)
        keyedSets.layouts[collection] = .some(layout)
        return layout
    }

    /// Inserts the documents of upserts with `setOnInsert` alone, skipping ids with a visible entry.
    func insertKeyed(_ change: DocumentChange, into collection: String, _ layout: KeyedSetLayout, now: Int64) throws(StoreError) {
        guard case .upsert(let update) = change.operation, update == DocumentUpdate(setOnInsert: update.setOnInsert) else {
            throw StoreError(
                .invalidRequest, "\(collection) is a keyed set: '\(change.id)' must be an upsert with setOnInsert alone (entries never change)")
        }
        let document = try Self.keyedDocument(update, id: change.id)
        guard case .date(let time)? = DocumentPath.value(at: layout.timeField, in: document) else {
            throw StoreError(.invalidRequest, "keyed set \(collection): '\(change.id)' has no date in '\(layout.timeField)'")
        }
        let bucket = layout.bucket(ofMs: time)
        let expires = time &+ layout.retentionMs
        let buckets = try knownBuckets(collection)
        let db = try requireDB()
        if buckets.count > 1 || (buckets.count == 1 && buckets[bucket] == nil) {
            // An entry in another bucket may be the visible one.
            let probe = try db.statement("SELECT 1 FROM kset WHERE coll = ?1 AND bucket = ?2 AND id = ?3 AND expires > ?4")
            for (other, latest) in buckets where other != bucket && latest > now {
                probe.bind(1, collection)
                probe.bind(2, other)
                probe.bind(3, change.id)
                probe.bind(4, now)
                defer { probe.reset() }
                if try probe.step() { return }
            }
        }
        let insert = try db.statement(
            """
            INSERT INTO kset(coll, bucket, id, expires, body) VALUES(?1, ?2, ?3, ?4, ?5)
            ON CONFLICT(coll, bucket, id) DO UPDATE SET expires = excluded.expires, body = excluded.body WHERE kset.expires <= ?6
            """)
        let body = DocumentCodec.encode(document)
        insert.bind(1, collection)
        insert.bind(2, bucket)
        insert.bind(3, change.id)
        insert.bind(4, expires)
        insert.bind(6, now)
        try body.withUnsafeBytes { raw in
            Result { () throws(StoreError) in
                insert.bindBlobNoCopy(5, raw)
                defer { insert.reset() }  // unbinds before the buffer goes away
                _ = try insert.step()
            }
        }.get()
        if (buckets[bucket] ?? .min) < expires { try noteBucket(collection, bucket, expires: expires) }
    }

    /// The entry's document, `setOnInsert` over `{_id}` as `DocumentUpdater.upsert` makes it;
    /// built directly when every field is a plain top-level name (no path to walk or check).
    static func keyedDocument(_ update: DocumentUpdate, id: String) throws(StoreError) -> Document {
        var document = update.setOnInsert
        guard document.keys.allSatisfy({ !$0.isEmpty && $0 != "_id" && !$0.utf8.contains(UInt8(ascii: ".")) }) else {
            return try DocumentUpdater.upsert(update, into: nil, id: id)
        }
        document["_id"] = .string(id)
        return document
    }

    /// Deletes the buckets of every keyed set whose entries have all expired; returns the entries removed.
    func pruneKeyedSets(nowMs: Int64) throws(StoreError) -> Int {
        let db = try requireDB()
        let entries = try db.statement(
            "DELETE FROM kset WHERE (coll, bucket) IN (SELECT coll, bucket FROM kset_buckets WHERE expires <= ?1)")
        entries.bind(1, nowMs)
        try entries.run()
        let removed = db.changes
        let buckets = try db.statement("DELETE FROM kset_buckets WHERE expires <= ?1")
        buckets.bind(1, nowMs)
        try buckets.run()
        if db.changes > 0 { keyedSets.buckets.removeAll() }
        return removed
    }

    private func knownBuckets(_ collection: String) throws(StoreError) -> [Int64: Int64] {
        if let known = keyedSets.buckets[collection] { return known }
        let select = try requireDB().statement("SELECT bucket, expires FROM kset_buckets WHERE coll = ?1")
        select.bind(1, collection)
        defer { select.reset() }
        var buckets: [Int64: Int64] = [:]
        while try select.step() { buckets[select.int64(0)] = select.int64(1) }
        keyedSets.buckets[collection] = buckets
        return buckets
    }

    private func noteBucket(_ collection: String, _ bucket: Int64, expires: Int64) throws(StoreError) {
        let upsert = try requireDB().statement(
            """
            INSERT INTO kset_buckets(coll, bucket, expires) VALUES(?1, ?2, ?3)
            ON CONFLICT(coll, bucket) DO UPDATE SET expires = max(expires, excluded.expires)
            """)
        upsert.bind(1, collection)
        upsert.bind(2, bucket)
        upsert.bind(3, expires)
        try upsert.run()
        keyedSets.buckets[collection, default: [:]][bucket] = Swift.max(keyedSets.buckets[collection]?[bucket] ?? .min, expires)
    }

    /// Moves documents stored in `docs` before the declaration into the keyed set, in id order
    /// (an id has one document there, so order does not matter), then deletes them.
    private func migrateDocuments(_ collection: String) throws(StoreError) {
        guard let layout = try keyedSetLayout(collection) else { return }
        let db = try requireDB()
        let now = StoreSchema.nowMs()
        let scan = try db.statement("SELECT id, body FROM docs WHERE coll = ?1 AND (expires IS NULL OR expires > ?2)")
        scan.bind(1, collection)
        scan.bind(2, now)
        var documents: [(String, Document)] = []
        do {
            defer { scan.reset() }
            while try scan.step() { documents.append((scan.string(0) ?? "", try DocumentCodec.decodeDocument(scan.bytes(1) ?? []))) }
        }
        for (id, document) in documents {
            var fields = document
            fields["_id"] = nil
            let change = DocumentChange(collection: collection, id: id, operation: .upsert(DocumentUpdate(setOnInsert: fields)))
            try insertKeyed(change, into: collection, layout, now: now)
        }
        for table in ["docs", "uniq"] {
            let delete = try db.statement("DELETE FROM \(table) WHERE coll = ?1")
            delete.bind(1, collection)
            try delete.run()
        }
    }
}
