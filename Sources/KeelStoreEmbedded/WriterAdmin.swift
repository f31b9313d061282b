import KeelCore
import KeelStore

/// Index declarations, generation swaps and TTL purges on the writer thread. Each runs in the
/// job's savepoint, so a failure leaves nothing behind.
extension StoreWriter {
    /// Declares indexes (idempotent). A new unique index is built from the existing documents
    /// (`.duplicateKey` if they already collide); a new TTL index sets their expiry.
    func ensureIndexes(_ target: CollectionSet, collection: String, specs: [IndexSpec]) throws(StoreError) {
        let db = try requireDB()
        let physical = target.physicalName(collection)
        let existing = try indexes(physical)
        var added: [IndexSpec] = []
        for spec in specs {
            try IndexKeys.validate(spec)
            if let current = existing.all[spec.name] ?? added.first(where: { $0.name == spec.name }) {
                guard current == spec else {
                    throw StoreError(.invalidRequest, "index '\(spec.name)' on \(physical) already exists with a different definition")
                }
                continue
            }
            added.append(spec)
        }
        try register(target)
        guard !added.isEmpty else { return }
        let insert = try db.statement("INSERT INTO indexes(coll, name, spec) VALUES(?1, ?2, ?3)")
        for spec in added {
            insert.bind(1, physical)
            insert.bind(2, spec.name)
            insert.bindBlob(3, StoreSchema.encode(spec))
            try insert.run()
        }
        indexCache[physical] = nil
        let updated = try indexes(physical)
        let newUnique = added.filter(\.unique)
        let ttlChanged = added.contains { $0.expireAfterSeconds != nil }
        guard !newUnique.isEmpty || ttlChanged else { return }

        // Rebuild keys/expiry from the stored documents.
        let scan = try db.statement("SELECT id, body FROM docs WHERE coll = ?1")
        scan.bind(1, physical)
        var documents: [(String, Document)] = []
        do {
            defer { scan.reset() }
            while try scan.step() {
                let id = scan.string(0) ?? ""
                documents.append((id, try DocumentCodec.decodeDocument(scan.bytes(1) ?? [])))
            }
        }
        let expire = try db.statement("UPDATE docs SET expires = ?3 WHERE coll = ?1 AND id = ?2")
        for (id, document) in documents {
            if !newUnique.isEmpty { try claimKeys(db, DocumentKey(collection: physical, id: id), document, newUnique) }
            if ttlChanged {
                expire.bind(1, physical)
                expire.bind(2, id)
                expire.bind(3, updated.expiry(document))
                try expire.run()
            }
        }
    }

    /// Moves a shadow generation's collections and checkpoint to the live names in this
    /// transaction, dropping the previous live ones. Readers see the old or the new, never both.
    func promote(_ shadow: CollectionSet, collections: [String]) throws(StoreError) {
        let db = try requireDB()
        guard let generation = shadow.generation else {
            throw StoreError(.invalidRequest, "promote needs a shadow generation (got the live \(shadow.projection))")
        }
        let exists = try db.statement("SELECT 1 FROM generations WHERE projection = ?1 AND generation = ?2")
        exists.bind(1, shadow.projection)
        exists.bind(2, generation)
        let found = try exists.step()
        exists.reset()
        guard found else { throw StoreError(.invalidRequest, "no generation \(shadow) to promote") }
        let live = CollectionSet.live(shadow.projection)
        try drop(live, collections: collections)
        for collection in collections {
            for table in StoreSchema.collectionTables {
                let move = try db.statement("UPDATE \(table) SET coll = ?1 WHERE coll = ?2")
                move.bind(1, live.physicalName(collection))
                move.bind(2, shadow.physicalName(collection))
                try move.run()
            }
        }
        let checkpoint = try db.statement("UPDATE checkpoints SET generation = ?3 WHERE projection = ?1 AND generation = ?2")
        checkpoint.bind(1, shadow.projection)
        checkpoint.bind(2, generation)
        checkpoint.bind(3, StoreSchema.live)
        try checkpoint.run()
        let rename = try db.statement("UPDATE generations SET generation = ?3 WHERE projection = ?1 AND generation = ?2")
        rename.bind(1, shadow.projection)
        rename.bind(2, generation)
        rename.bind(3, StoreSchema.live)
        try rename.run()
        forgetCaches()
    }

    /// Deletes the generation's documents, keys, indexes, checkpoint and registration.
    func drop(_ target: CollectionSet, collections: [String]) throws(StoreError) {
        let db = try requireDB()
        for collection in collections {
            for table in StoreSchema.collectionTables {
                let delete = try db.statement("DELETE FROM \(table) WHERE coll = ?1")
                delete.bind(1, target.physicalName(collection))
                try delete.run()
            }
        }
        for table in ["checkpoints", "generations"] {
            let delete = try db.statement("DELETE FROM \(table) WHERE projection = ?1 AND generation = ?2")
            delete.bind(1, target.projection)
            delete.bind(2, StoreSchema.generationColumn(target))
            try delete.run()
        }
        forgetCaches()
    }

    /// Deletes documents whose TTL expiry is at or before `nowMs` (with their unique keys), and
    /// the keyed sets' buckets whose entries have all expired.
    func purgeExpired(nowMs: Int64) throws(StoreError) -> Int {
        let db = try requireDB()
        let keys = try db.statement("DELETE FROM uniq WHERE (coll, id) IN (SELECT coll, id FROM docs WHERE expires <= ?1)")
        keys.bind(1, nowMs)
        try keys.run()
        let docs = try db.statement("DELETE FROM docs WHERE expires <= ?1")
        docs.bind(1, nowMs)
        try docs.run()
        let removed = db.changes + (try pruneKeyedSets(nowMs: nowMs))
        if removed > 0 { logger.debug("embedded store TTL removed \(removed) documents") }
        return removed
    }

    func purgeJob(nowMs: Int64, completion: CheckedContinuation<Int, any Error>?) -> Job {
        Job(
            execute: { writer in
                let removed = try writer.purgeExpired(nowMs: nowMs)
                return { completion?.resume(returning: removed) }
            },
            fail: { error in
                if let completion { completion.resume(throwing: error) } else { self.logger.error("embedded store TTL purge failed: \(error)") }
            })
    }
}
