import KeelCore
import KeelStore

extension MongoProjectionStore {
    /// Creates the indexes with the `createIndexes` command (libmongoc 1.23 has no
    /// `create_indexes_with_opts`) and registers the generation. Idempotent for identical specs;
    /// an index of the same name with another definition is `.invalidRequest`; a new unique index
    /// over colliding documents is `.duplicateKey`. Refreshes the collection's cached TTL indexes.
    public func ensureIndexes(_ target: CollectionSet, collection: String, indexes: [IndexSpec]) async throws {
        let physical = try translating { try Self.physical(target, collection) }
        let specs = try translating { try indexes.map(Self.indexDocument) }
        let marker = CheckpointRecord.id(target)
        let registration: BSONDoc = [
            "$setOnInsert": .document([
                "projection": .string(target.projection), "generation": .value(target.generation.map(DocumentValue.string) ?? .null),
            ])
        ]
        try await perform("ensureIndexes \(physical)") { [ttlCache] context in
            if !specs.isEmpty {
                try context.command(["createIndexes": .string(physical), "indexes": .array(specs)], operation: "createIndexes \(physical)")
                // What the server now holds (also TTL indexes declared earlier or by another process).
                ttlCache.merge(physical, try context.listTTLIndexes(physical))
            }
            try context.bulkWrite(
                CheckpointRecord.collection, [.update(filter: ["_id": .string(marker)], update: registration, upsert: true)],
                ordered: true, operation: "register generation")
        }
    }

    /// The projection's registered generations (by `apply` or `ensureIndexes`): live first, then
    /// shadows by name.
    public func generations(of projection: String) async throws -> [CollectionSet] {
        let documents = try await perform("generations of \(projection)") { context in
            try context.find(CheckpointRecord.collection, filter: ["projection": .string(projection)], operation: "list generations")
        }
        let generations = documents.map { $0["generation"]?.stringValue }
        let shadows = generations.compactMap { $0 }.sorted()
        let live = generations.contains { $0 == nil } ? [CollectionSet.live(projection)] : []
        return live + shadows.map { CollectionSet(projection: projection, generation: $0) }
    }

    /// Promotes a shadow generation. Steps (each idempotent, so a failed promote can be re-run):
    /// 1. once: create any shadow collection that does not exist yet (so an empty shadow empties
    ///    the live collection) and mark the shadow `promoting`;
    /// 2. per collection, `renameCollection` shadow → live with `dropTarget: true` — atomic per
    ///    collection for readers (they see the old or the new documents, never a mix);
    /// 3. in one transaction, write the shadow's checkpoint as the live one and delete the shadow's.
    /// Across collections and between steps 2 and 3 there is no atomicity: run promote while the
    /// live projector is paused (as `keel replay` does). See docs/mongo.md.
    public func promote(_ shadow: CollectionSet, collections: [String]) async throws {
        guard let generation = shadow.generation else {
            throw StoreError(.invalidRequest, "promote needs a shadow generation (got the live \(shadow.projection))")
        }
        let pairs = try translating {
            try collections.map { (shadow: try Self.physical(shadow, $0), live: try Self.physical(.live(shadow.projection), $0)) }
        }
        let shadowID = CheckpointRecord.id(shadow)
        let live = CollectionSet.live(shadow.projection)
        let liveID = CheckpointRecord.id(live)
        // Renames move indexes (also TTL ones): re-read both sides' on next use, even after a failure.
        defer { ttlCache.forget(pairs.flatMap { [$0.shadow, $0.live] }) }
        try await perform("promote \(shadow)") { context in
            let filter: BSONDoc = ["_id": .string(shadowID)]
            guard let marker = try context.find(CheckpointRecord.collection, filter: filter, operation: "read shadow").first else {
                let liveDocument = try context.find(CheckpointRecord.collection, filter: ["_id": .string(liveID)], operation: "read live").first
                if liveDocument?["promotedFrom"] == .string(generation) { return }  // already promoted
                throw MongoFailure.invalid("no generation \(shadow) to promote")
            }
            if marker["promoting"] != .bool(true) {
                let existing = try context.collectionNames()
                for pair in pairs where !existing.contains(pair.shadow) {
                    do {
                        try context.command(["create": .string(pair.shadow)], operation: "create \(pair.shadow)")
                    } catch let failure as MongoFailure where failure.code == 48 {}  // NamespaceExists
                }
                try context.bulkWrite(
                    CheckpointRecord.collection, [.update(filter: filter, update: ["$set": .document(["promoting": true])], upsert: false)],
                    ordered: true, operation: "mark promoting")
            }
            let existing = try context.collectionNames()
            for pair in pairs where existing.contains(pair.shadow) {
                try context.command(
                    [
                        "renameCollection": .string("\(context.database).\(pair.shadow)"),
                        "to": .string("\(context.database).\(pair.live)"), "dropTarget": true,
                    ], on: "admin", operation: "rename \(pair.shadow)")
            }
            let positions = CheckpointRecord.positions(marker)
            let record = CheckpointRecord.document(live, positions, extra: ["promotedFrom": .string(generation)])
            try context.inTransaction(operation: "promote checkpoint") { context -> TransactionEnd<Void> in
                try context.replaceOne(
                    CheckpointRecord.collection, filter: ["_id": .string(liveID)], replacement: record, upsert: true,
                    operation: "store live checkpoint")
                try context.deleteMany(CheckpointRecord.collection, filter: filter, operation: "delete shadow checkpoint")
                return .commit(())
            }
        }
    }

    /// Drops the generation's collections (missing ones are fine) and its checkpoint. Idempotent.
    public func drop(_ target: CollectionSet, collections: [String]) async throws {
        let names = try translating { try collections.map { try Self.physical(target, $0) } }
        let id = CheckpointRecord.id(target)
        defer { ttlCache.forget(names) }
        try await perform("drop \(target)") { context in
            for name in names { try context.drop(name) }
            try context.deleteMany(CheckpointRecord.collection, filter: ["_id": .string(id)], operation: "delete checkpoint")
        }
    }

    static func indexDocument(_ spec: IndexSpec) throws -> BSONItem {
        guard !spec.name.isEmpty, !spec.fields.isEmpty else {
            throw MongoFailure.invalid("index '\(spec.name)' needs a name and at least one field")
        }
        var key = BSONDoc()
        for field in spec.fields {
            try FilterTranslation.validate(field.path, "index \(spec.name)")
            key.append(field.path, .int32(field.ascending ? 1 : -1))
        }
        var document: BSONDoc = ["key": .document(key), "name": .string(spec.name)]
        if spec.unique { document.append("unique", true) }
        if let seconds = spec.expireAfterSeconds {
            guard spec.fields.count == 1, seconds >= 0 else {
                throw MongoFailure.invalid("TTL index '\(spec.name)' needs exactly one field and expireAfterSeconds ≥ 0")
            }
            document.append("expireAfterSeconds", .int32(Int32(clamping: seconds)))
        }
        return .document(document)
    }
}
