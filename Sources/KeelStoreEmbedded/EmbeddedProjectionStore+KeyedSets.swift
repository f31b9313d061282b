import KeelCore
import KeelStore

extension EmbeddedProjectionStore {
    /// Keeps the collection as a keyed set clustered by time (`KeyedSetLayout`) instead of as
    /// documents: an insert is one row in the newest time bucket (no read of the document
    /// first), a look-up by id probes the live buckets, and the TTL purge drops whole expired
    /// buckets. Documents the collection held before are moved in (`.invalidRequest` if one has
    /// no date in the time field). Reads (`find`, `count`, `query`, `aggregate`) behave as on
    /// documents; a change other than an upsert with `setOnInsert` alone is refused as
    /// `.invalidRequest`, and the whole batch with it.
    public func declareKeyedSet(_ target: CollectionSet, _ spec: KeyedSetSpec) async throws {
        let writer = try requireWriter("declare the keyed set \(target.physicalName(spec.collection))")
        try await writer.submit { try $0.declareKeyedSet(target, spec) }
    }
}
