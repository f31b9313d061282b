import KeelCore
import KeelStore

/// A test wrapper around a real store: every `ProjectionStore` method forwards to `inner`
/// unless the wrapper declares its own (a fault injector overrides `apply`, an observer records).
public protocol ForwardingStore: ProjectionStore {
    var inner: any ProjectionStore { get }
}

extension ForwardingStore {
    public var description: String { inner.description }
    public func apply(_ batch: ProjectionBatch) async throws -> ApplyOutcome { try await inner.apply(batch) }
    public func checkpoint(_ target: CollectionSet) async throws -> ProjectionCheckpoint? { try await inner.checkpoint(target) }
    public func find(_ target: CollectionSet, collection: String, id: String) async throws -> Document? {
        try await inner.find(target, collection: collection, id: id)
    }
    public func find(_ target: CollectionSet, collection: String, ids: [String]) async throws -> [String: Document] {
        try await inner.find(target, collection: collection, ids: ids)
    }
    public func query(_ query: DocumentQuery) async throws -> DocumentPage { try await inner.query(query) }
    public func count(_ target: CollectionSet, collection: String, filter: [FieldFilter]) async throws -> Int {
        try await inner.count(target, collection: collection, filter: filter)
    }
    public func aggregate(_ aggregation: Aggregation) async throws -> [AggregationRow] { try await inner.aggregate(aggregation) }
    public func ensureIndexes(_ target: CollectionSet, collection: String, indexes: [IndexSpec]) async throws {
        try await inner.ensureIndexes(target, collection: collection, indexes: indexes)
    }
    public func declareKeyedSet(_ target: CollectionSet, _ spec: KeyedSetSpec) async throws { try await inner.declareKeyedSet(target, spec) }
    public func generations(of projection: String) async throws -> [CollectionSet] { try await inner.generations(of: projection) }
    public func promote(_ shadow: CollectionSet, collections: [String]) async throws {
        try await inner.promote(shadow, collections: collections)
    }
    public func drop(_ target: CollectionSet, collections: [String]) async throws { try await inner.drop(target, collections: collections) }
    public func shutdown() async throws { try await inner.shutdown() }
}
