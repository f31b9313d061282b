import KeelCore
import KeelStore

/// `apply` on the writer thread.
///
/// Each touched document is read once per batch into memory, every change of the batch is
/// evaluated there (`DocumentUpdater`), and each document is written once at the end, so a
/// batch of thousands of counter updates on a few hundred documents costs a few hundred
/// point reads and writes. Changes to keyed sets skip all that: each is one insert into the
/// collection's newest time bucket (`WriterKeyedSets.swift`). Any error throws out of the job,
/// and the writer rolls the job's savepoint back: nothing of the batch, nor its checkpoint, is stored.
extension StoreWriter {
    /// A document as the batch sees it.
    struct Pending {
        /// A row exists for it in `docs` (possibly expired by TTL, hence invisible).
        var stored: Bool
        var document: Document?
        var dirty = false
    }

    struct DocumentKey: Hashable {
        var collection: String
        var id: String
    }

    func apply(_ batch: ProjectionBatch) throws(StoreError) -> ApplyOutcome {
        let db = try requireDB()
        let generation = StoreSchema.generationColumn(batch.target)
        let stored = try checkpoint(db, projection: batch.target.projection, generation: generation)
        for (position, next) in batch.checkpoint.positions {
            if let current = stored[position], next <= current { return .skippedAsDuplicate }
            if let expected = batch.expected, stored[position] != expected.positions[position] { return .skippedAsDuplicate }
        }
        try register(batch.target)

        let now = StoreSchema.nowMs()
        var physical: [String: (name: String, keyedSet: KeyedSetLayout?)] = [:]
        var pending: [DocumentKey: Pending] = [:]
        pending.reserveCapacity(min(batch.changes.count, 4096))
        let load = try db.statement("SELECT body, expires FROM docs WHERE coll = ?1 AND id = ?2")
        for change in batch.changes {
            let collection: String
            let keyedSet: KeyedSetLayout?
            if let known = physical[change.collection] {
                (collection, keyedSet) = known
            } else {
                guard !change.collection.isEmpty else { throw StoreError(.invalidRequest, "a change of '\(change.id)' names no collection") }
                collection = batch.target.physicalName(change.collection)
                keyedSet = try keyedSetLayout(collection)
                physical[change.collection] = (collection, keyedSet)
            }
            if let keyedSet {
                try insertKeyed(change, into: collection, keyedSet, now: now)
                continue
            }
            let key = DocumentKey(collection: collection, id: change.id)
            if let index = pending.index(forKey: key) {
                try Self.perform(change, on: &pending.values[index])
            } else {
                var entry = try read(load, key, now: now)
                try Self.perform(change, on: &entry)
                pending[key] = entry
            }
        }
        try write(pending, db: db)
        try storeCheckpoint(db, batch.target.projection, generation, batch.checkpoint)
        return .applied
    }

    /// Evaluates one change in memory, in place.
    @inline(__always)
    private static func perform(_ change: DocumentChange, on entry: inout Pending) throws(StoreError) {
        switch change.operation {
        case .upsert(let update):
            try DocumentUpdater.upsert(update, into: &entry.document, id: change.id)
        case .replace(let document):
            entry.document = try DocumentUpdater.replacement(document, id: change.id)
        case .delete:
            entry.document = nil
        }
        entry.dirty = true
    }

    private func read(_ load: SQLiteStatement, _ key: DocumentKey, now: Int64) throws(StoreError) -> Pending {
        load.bind(1, key.collection)
        load.bind(2, key.id)
        defer { load.reset() }
        guard try load.step() else { return Pending(stored: false, document: nil) }
        if !load.isNull(1), load.int64(1) <= now { return Pending(stored: true, document: nil) }  // expired: gone for readers
        let document = try load.withBytes(0) { (bytes) throws(StoreError) -> Document in
            try DocumentCodec.decodeDocument(bytes ?? UnsafeRawBufferPointer(start: nil, count: 0))
        }
        return Pending(stored: true, document: document)
    }

    /// Writes the batch's documents; maintains unique keys in two phases (release every old key,
    /// then claim every new one), so the outcome depends on the batch's final state only.
    private func write(_ pending: [DocumentKey: Pending], db: SQLiteConnection) throws(StoreError) {
        let upsert = try db.statement(
            """
            INSERT INTO docs(coll, id, body, expires) VALUES(?1, ?2, ?3, ?4)
            ON CONFLICT(coll, id) DO UPDATE SET body = excluded.body, expires = excluded.expires
            """)
        let delete = try db.statement("DELETE FROM docs WHERE coll = ?1 AND id = ?2")
        var claims: [(DocumentKey, Document, [IndexSpec])] = []
        for (key, entry) in pending where entry.dirty {
            let indexes = try self.indexes(key.collection)
            if !indexes.unique.isEmpty {
                if entry.stored { try releaseKeys(db, key) }
                if let document = entry.document { claims.append((key, document, indexes.unique)) }
            }
            if let document = entry.document {
                let body = DocumentCodec.encode(document)
                upsert.bind(1, key.collection)
                upsert.bind(2, key.id)
                upsert.bind(4, indexes.ttl.isEmpty ? nil : indexes.expiry(document))
                try body.withUnsafeBytes { raw in
                    Result { () throws(StoreError) in
                        upsert.bindBlobNoCopy(3, raw)
                        defer { upsert.reset() }  // unbinds before the buffer goes away
                        _ = try upsert.step()
                    }
                }.get()
            } else if entry.stored {
                delete.bind(1, key.collection)
                delete.bind(2, key.id)
                try delete.run()
            }
        }
        for (key, document, unique) in claims { try claimKeys(db, key, document, unique) }
    }

    func releaseKeys(_ db: SQLiteConnection, _ key: DocumentKey) throws(StoreError) {
        let release = try db.statement("DELETE FROM uniq WHERE coll = ?1 AND id = ?2")
        release.bind(1, key.collection)
        release.bind(2, key.id)
        try release.run()
    }

    /// Inserts the document's unique keys; a taken key is `.duplicateKey` naming index and holder.
    func claimKeys(_ db: SQLiteConnection, _ key: DocumentKey, _ document: Document, _ unique: [IndexSpec]) throws(StoreError) {
        let claim = try db.statement("INSERT INTO uniq(coll, idx, key, id) VALUES(?1, ?2, ?3, ?4)")
        for spec in unique {
            claim.bind(1, key.collection)
            claim.bind(2, spec.name)
            claim.bindBlob(3, IndexKeys.uniqueKey(document, fields: spec.fields))
            claim.bind(4, key.id)
            do {
                try claim.run()
            } catch  where error.code == .duplicateKey {
                let fields = spec.fields.map { "\($0.path)=\(DocumentPath.value(at: $0.path, in: document) ?? .null)" }.joined(separator: ", ")
                throw StoreError(
                    .duplicateKey, "unique index '\(spec.name)' on \(key.collection): '\(key.id)' has the same key (\(fields)) as another document")
            }
        }
    }

    /// The declared indexes of a physical collection (cached).
    func indexes(_ collection: String) throws(StoreError) -> CollectionIndexes {
        if let cached = indexCache[collection] { return cached }
        let db = try requireDB()
        let select = try db.statement("SELECT spec FROM indexes WHERE coll = ?1")
        select.bind(1, collection)
        defer { select.reset() }
        var specs: [IndexSpec] = []
        while try select.step() { specs.append(try StoreSchema.decodeSpec(select.bytes(0) ?? [])) }
        let indexes = CollectionIndexes(specs)
        indexCache[collection] = indexes
        return indexes
    }

    func register(_ target: CollectionSet) throws(StoreError) {
        guard !knownGenerations.contains(target) else { return }
        let insert = try requireDB().statement("INSERT OR IGNORE INTO generations(projection, generation) VALUES(?1, ?2)")
        insert.bind(1, target.projection)
        insert.bind(2, StoreSchema.generationColumn(target))
        try insert.run()
        knownGenerations.insert(target)
    }

    func checkpoint(_ db: SQLiteConnection, projection: String, generation: String) throws(StoreError) -> [LogPosition: Int64] {
        try StoreQueries.checkpoint(db, projection: projection, generation: generation)
    }

    private func storeCheckpoint(_ db: SQLiteConnection, _ projection: String, _ generation: String, _ checkpoint: ProjectionCheckpoint)
        throws(StoreError)
    {
        let upsert = try db.statement(
            """
            INSERT INTO checkpoints(projection, generation, topic, partition, next_offset) VALUES(?1, ?2, ?3, ?4, ?5)
            ON CONFLICT(projection, generation, topic, partition) DO UPDATE SET next_offset = excluded.next_offset
            """)
        for (position, next) in checkpoint.positions {
            upsert.bind(1, projection)
            upsert.bind(2, generation)
            upsert.bind(3, position.topic)
            upsert.bind(4, Int64(position.partition))
            upsert.bind(5, next)
            try upsert.run()
        }
    }
}
