import KeelCore

/// The projection store port: collections of documents that projectors keep up to date from
/// the log, plus each projection's checkpoint.
///
/// Guarantees every adapter keeps (one conformance suite proves them on each):
/// - **Atomic batches:** `apply` writes a batch's document changes and the projection's new
///   checkpoint together: after a crash either all of it is visible or none.
/// - **Idempotent replays:** a batch whose positions are not ahead of the stored checkpoint
///   for a partition changes nothing for that partition (`apply` reports it as skipped).
/// - **Readers never see a half-built projection:** shadow generations are invisible under the
///   live names until `promote` swaps them in atomically.
/// - **Thread-safety:** all methods may be called concurrently; batches of one projection are
///   applied in call order.
public protocol ProjectionStore: AnyObject, Sendable {
    /// `embedded:/path` or `mongodb://host:port/db`, for messages.
    var description: String { get }

    // MARK: Writing

    /// Applies `batch.changes` to `batch.target` and stores `batch.checkpoint`, atomically.
    func apply(_ batch: ProjectionBatch) async throws -> ApplyOutcome

    /// The stored checkpoint of a projection generation, or `nil` before its first batch.
    func checkpoint(_ target: CollectionSet) async throws -> ProjectionCheckpoint?

    // MARK: Reading (always tenant-scoped by the caller's filter)

    func find(_ target: CollectionSet, collection: String, id: String) async throws -> Document?
    /// The documents of `ids` that exist, by id: one round trip where the adapter can (a
    /// request's worth of point reads, e.g. the gateway's dedupe lookups).
    func find(_ target: CollectionSet, collection: String, ids: [String]) async throws -> [String: Document]
    func query(_ query: DocumentQuery) async throws -> DocumentPage
    func count(_ target: CollectionSet, collection: String, filter: [FieldFilter]) async throws -> Int
    func aggregate(_ aggregation: Aggregation) async throws -> [AggregationRow]

    // MARK: Collections and generations

    /// Declares indexes on a collection of a generation (idempotent).
    func ensureIndexes(_ target: CollectionSet, collection: String, indexes: [IndexSpec]) async throws
    /// Declares a collection of a generation a keyed set (idempotent; before its first batch).
    /// Its documents then follow `KeyedSetSpec`'s contract whatever layout the store picks; the
    /// default (`KeyedSets.swift`) is ordinary documents with a TTL index.
    func declareKeyedSet(_ target: CollectionSet, _ spec: KeyedSetSpec) async throws
    /// The generations that exist for a projection (live first), with their checkpoints.
    func generations(of projection: String) async throws -> [CollectionSet]
    /// Makes a shadow generation the live one, atomically for readers; the previous live
    /// documents and checkpoint are dropped. The shadow's checkpoint becomes the live checkpoint.
    func promote(_ shadow: CollectionSet, collections: [String]) async throws
    /// Drops every collection and the checkpoint of a generation. Idempotent.
    func drop(_ target: CollectionSet, collections: [String]) async throws

    /// Releases resources; later calls fail with `.closed`. Idempotent.
    func shutdown() async throws
}

extension ProjectionStore {
    /// Concurrent point reads, for adapters without a cheaper way.
    public func find(_ target: CollectionSet, collection: String, ids: [String]) async throws -> [String: Document] {
        if ids.count == 1, let id = ids.first {
            return try await find(target, collection: collection, id: id).map { [id: $0] } ?? [:]
        }
        return try await withThrowingTaskGroup(of: (String, Document?).self) { group in
            for id in Set(ids) {
                group.addTask { (id, try await self.find(target, collection: collection, id: id)) }
            }
            var found: [String: Document] = [:]
            for try await (id, document) in group {
                if let document { found[id] = document }
            }
            return found
        }
    }
}

/// A projection's collections in one generation: the live one (what readers see, under the
/// logical names) or a shadow being rebuilt by `keel replay`.
public struct CollectionSet: Sendable, Hashable, CustomStringConvertible {
    public var projection: String
    /// `nil` for the live generation; a short token such as `r20261121a` for a shadow.
    public var generation: String?

    public init(projection: String, generation: String? = nil) {
        self.projection = projection
        self.generation = generation
    }

    public static func live(_ projection: String) -> CollectionSet { CollectionSet(projection: projection) }

    public var isLive: Bool { generation == nil }

    /// The physical collection name for a logical one: `activity` live, `activity__g_<gen>` in a shadow.
    public func physicalName(_ collection: String) -> String {
        guard let generation else { return collection }
        return "\(collection)__g_\(generation)"
    }

    public var description: String { generation.map { "\(projection)@\($0)" } ?? projection }
}

/// Where a projection has read up to: per (topic, partition), the next offset to apply.
public struct ProjectionCheckpoint: Sendable, Hashable {
    public var positions: [LogPosition: Int64]

    public init(positions: [LogPosition: Int64] = [:]) {
        self.positions = positions
    }
}

/// A (topic, partition) pair, as the store records it.
public struct LogPosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(_ topic: String, _ partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public static func < (lhs: LogPosition, rhs: LogPosition) -> Bool { (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition) }
    public var description: String { "\(topic)[\(partition)]" }
}

/// One atomic unit of projection work.
public struct ProjectionBatch: Sendable, Hashable {
    public var target: CollectionSet
    public var changes: [DocumentChange]
    /// Positions after this batch (next offset to apply) for the partitions it covers. Changes
    /// are only applied when every position is ahead of the stored one (else the batch is a
    /// replay of work already done and is skipped whole).
    public var checkpoint: ProjectionCheckpoint
    /// Optimistic concurrency, when set: the batch applies only if, for every partition in
    /// `checkpoint`, the stored position equals the one here (a partition absent here must have
    /// no stored position); otherwise it is skipped whole. A writer passes the positions it
    /// resumed from, so a checkpoint moved by someone else — a replay promoted underneath it,
    /// another group member after a rebalance — makes it re-read instead of writing on top of
    /// state it never saw.
    public var expected: ProjectionCheckpoint?

    public init(target: CollectionSet, changes: [DocumentChange], checkpoint: ProjectionCheckpoint, expected: ProjectionCheckpoint? = nil) {
        self.target = target
        self.changes = changes
        self.checkpoint = checkpoint
        self.expected = expected
    }
}

public enum ApplyOutcome: Sendable, Hashable {
    case applied
    /// The stored checkpoint was already at or past the batch, or not where the batch's
    /// `expected` said it would be: nothing changed.
    case skippedAsDuplicate
}
