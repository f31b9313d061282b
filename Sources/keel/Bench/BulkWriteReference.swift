import KeelCore
import KeelMongo
import KeelStore
import Synchronization

/// The reference for `keel bench replay --mongo`: the same `Replayer` over the same log, with a
/// store whose `apply` writes each batch's resulting documents as plain unordered bulk upserts —
/// no transaction, no checkpoint on the server, no update operators (the new states are computed
/// in memory with the stores' own update semantics). Reading, decoding, projecting and merging
/// are identical on both sides, so Keel ÷ reference is the cost of Keel's write-path guarantees.
///
/// Only what `Replayer` needs is here: reads see an empty store (there are no dead letters to
/// load), generations and promotion are no-ops. A benchmark reference, not a store to use.
final class BulkWriteReferenceStore: ProjectionStore {
    private struct State {
        var documents: [String: [String: Document]] = [:]
        var checkpoints: [CollectionSet: ProjectionCheckpoint] = [:]
    }

    private let mongo: MongoProjectionStore
    private let prefix: String
    private let state = Mutex(State())

    /// Writes into collections named `prefix` + the physical name, beside Keel's own.
    init(mongo: MongoProjectionStore, prefix: String) {
        self.mongo = mongo
        self.prefix = prefix
    }

    var description: String { "bulk-write reference on \(mongo.description)" }

    /// The collections this reference wrote, for cleaning up.
    var writtenCollections: [String] { state.withLock { $0.documents.keys.map { "\(prefix)\($0)" } } }

    func apply(_ batch: ProjectionBatch) async throws -> ApplyOutcome {
        let resulting = try state.withLock { state throws(StoreError) -> [String: [Document]] in
            var touched: [String: Set<String>] = [:]
            for change in batch.changes {
                let physical = batch.target.physicalName(change.collection)
                var document = state.documents[physical]?[change.id]
                switch change.operation {
                case .upsert(let update): try DocumentUpdater.upsert(update, into: &document, id: change.id)
                case .replace(let replacement): document = try DocumentUpdater.replacement(replacement, id: change.id)
                case .delete: document = nil
                }
                state.documents[physical, default: [:]][change.id] = document
                touched[physical, default: []].insert(change.id)
            }
            var checkpoint = state.checkpoints[batch.target] ?? ProjectionCheckpoint()
            checkpoint.positions.merge(batch.checkpoint.positions) { $1 }
            state.checkpoints[batch.target] = checkpoint
            return touched.reduce(into: [:]) { result, entry in
                result[entry.key] = entry.value.compactMap { state.documents[entry.key]?[$0] }
            }
        }
        for (collection, documents) in resulting where !documents.isEmpty {
            try await mongo.baselineBulkUpsert(collection: "\(prefix)\(collection)", documents: documents)
        }
        return .applied
    }

    func checkpoint(_ target: CollectionSet) async throws -> ProjectionCheckpoint? {
        state.withLock { $0.checkpoints[target] }
    }

    func find(_ target: CollectionSet, collection: String, id: String) async throws -> Document? { nil }
    func query(_ query: DocumentQuery) async throws -> DocumentPage { DocumentPage(documents: [], nextCursor: nil) }
    func count(_ target: CollectionSet, collection: String, filter: [FieldFilter]) async throws -> Int { 0 }
    func aggregate(_ aggregation: Aggregation) async throws -> [AggregationRow] { [] }
    func ensureIndexes(_ target: CollectionSet, collection: String, indexes: [IndexSpec]) async throws {}
    func generations(of projection: String) async throws -> [CollectionSet] { [] }
    func promote(_ shadow: CollectionSet, collections: [String]) async throws {}
    func drop(_ target: CollectionSet, collections: [String]) async throws {}
    func shutdown() async throws {}
}
