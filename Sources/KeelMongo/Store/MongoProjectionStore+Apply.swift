import CMongoC
import KeelCore
import KeelStore
import Synchronization

extension MongoProjectionStore {
    /// Applies a batch in one transaction: read the checkpoint; if the batch is not ahead (or the
    /// stored positions differ from `batch.expected`), abort and report `.skippedAsDuplicate`; else
    /// delete the touched documents a TTL index has expired (a change to one starts afresh), one
    /// bulk write per collection, the new checkpoint
    /// (stored positions merged with the batch's), commit. Batches of one generation are
    /// serialised in call order. A retry after an unknown commit result recognises its own
    /// committed checkpoint and still reports `.applied`.
    public func apply(_ batch: ProjectionBatch) async throws -> ApplyOutcome {
        let groups = try translating { try Self.writeGroups(batch) }
        let target = batch.target
        let checkpointID = CheckpointRecord.id(target)
        let commitAttempted = Mutex(false)
        return try await applyGate.withLock(checkpointID) { [ttlCache] in
            try await perform("apply \(target)") { context in
                // `listIndexes` is not allowed inside a transaction: resolve TTL indexes first.
                let ttl = try groups.map { try context.ttlIndexes($0.collection, cache: ttlCache) }
                return try context.inTransaction(operation: "apply \(target)") { context in
                    let storedDocument = try context.find(
                        CheckpointRecord.collection, filter: ["_id": .string(checkpointID)], options: ["limit": 1],
                        operation: "read checkpoint"
                    ).first
                    let stored = CheckpointRecord.positions(storedDocument)
                    guard CheckpointRecord.accepts(batch, stored: stored) else {
                        let ours = commitAttempted.withLock { $0 } && stored == CheckpointRecord.merged(stored, batch.checkpoint)
                        return .abort(ours ? ApplyOutcome.applied : .skippedAsDuplicate)
                    }
                    // An expired document is gone for readers: a change to it starts a fresh one (as in
                    // the embedded store), so delete the expired documents this batch touches first.
                    let now = TTLFilter.nowMs()
                    for (group, indexes) in zip(groups, ttl) {
                        guard let expired = TTLFilter.expired(indexes, nowMs: now) else { continue }
                        let touched: BSONDoc = ["_id": .document(["$in": .value(.array(group.ids.map(DocumentValue.string)))])]
                        try context.deleteMany(
                            group.collection, filter: FilterTranslation.and(touched, expired), operation: "delete expired \(group.collection)")
                    }
                    for group in groups {
                        try context.bulkWrite(group.collection, group.operations, ordered: group.ordered, operation: "apply \(target)")
                    }
                    let record = CheckpointRecord.document(
                        target, CheckpointRecord.merged(stored, batch.checkpoint), extra: storedDocument.map(Self.carriedFields) ?? [:])
                    try context.replaceOne(
                        CheckpointRecord.collection, filter: ["_id": .string(checkpointID)], replacement: record, upsert: true,
                        operation: "store checkpoint")
                    commitAttempted.withLock { $0 = true }
                    return .commit(ApplyOutcome.applied)
                }
            }
        }
    }

    public func checkpoint(_ target: CollectionSet) async throws -> ProjectionCheckpoint? {
        let id = CheckpointRecord.id(target)
        let document = try await perform("read checkpoint \(target)") { context in
            try context.find(CheckpointRecord.collection, filter: ["_id": .string(id)], options: ["limit": 1], operation: "read checkpoint").first
        }
        return CheckpointRecord.positions(document)
    }

    /// The benchmark's reference: a plain unordered bulk of `replaceOne(upsert: true)` by `_id`
    /// (each document must have a string `_id`), with the store's write concern, no transaction and
    /// no checkpoint. `collection` is a physical collection name.
    public func baselineBulkUpsert(collection: String, documents: [Document]) async throws {
        let operations = try translating {
            try documents.map { document -> BulkOperation in
                guard let id = document["_id"] else { throw MongoFailure.invalid("baselineBulkUpsert: a document has no _id") }
                return .replace(filter: ["_id": .value(id)], replacement: document, upsert: true)
            }
        }
        try await perform("baseline bulk upsert") { context in
            try context.bulkWrite(collection, operations, ordered: false, operation: "baseline bulk upsert")
        }
    }

    struct WriteGroup: Sendable {
        var collection: String
        var operations: [BulkOperation]
        /// The touched document ids, each once, in first-appearance order.
        var ids: [String]
        /// Unordered when no document appears twice (the server may then run the writes in any order).
        var ordered: Bool
    }

    /// The batch's changes grouped per physical collection, in first-appearance order, keeping
    /// the order of changes within a collection (writes to different collections never interact).
    static func writeGroups(_ batch: ProjectionBatch) throws -> [WriteGroup] {
        var order: [String] = []
        var operations: [String: [BulkOperation]] = [:]
        var ids: [String: Set<String>] = [:]
        var idOrder: [String: [String]] = [:]
        var repeated: Set<String> = []
        for change in batch.changes {
            try FilterTranslation.validate(change.collection, "collection")
            let physical = batch.target.physicalName(change.collection)
            if operations[physical] == nil { order.append(physical) }
            operations[physical, default: []].append(try UpdateTranslation.operation(change))
            if ids[physical, default: []].insert(change.id).inserted {
                idOrder[physical, default: []].append(change.id)
            } else {
                repeated.insert(physical)
            }
        }
        return order.map { WriteGroup(collection: $0, operations: operations[$0]!, ids: idOrder[$0]!, ordered: repeated.contains($0)) }
    }

    /// Fields of the stored checkpoint document that `apply` keeps (promotion bookkeeping).
    static func carriedFields(_ document: Document) -> Document {
        document.filter { $0.key == "promotedFrom" || $0.key == "promoting" }
    }
}
