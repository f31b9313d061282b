import KeelCore

extension ProjectionStore {
    /// The layout every store can give a keyed set: ordinary documents with a TTL index on the
    /// spec's time field, named `KeyedSetSpec.ttlIndexName`. The port's rules for documents
    /// already give the keyed-set contract: a visible document makes a `setOnInsert` upsert a
    /// no-op, an expired one is invisible and an upsert starts it afresh.
    public func declareKeyedSet(_ target: CollectionSet, _ spec: KeyedSetSpec) async throws {
        try await ensureIndexes(target, collection: spec.collection, indexes: [spec.ttlIndex])
    }
}

extension KeyedSetSpec {
    /// The TTL index of the document layout.
    public static let ttlIndexName = "keyed_set_retention"

    public var ttlIndex: IndexSpec {
        IndexSpec(name: Self.ttlIndexName, fields: [SortField(timeField)], expireAfterSeconds: retentionSeconds)
    }
}
