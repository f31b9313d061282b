import KeelCore
import KeelStore

/// Typed reads of the `keys` projection.
public struct KeysQueries: Sendable {
    let store: any ProjectionStore
    let target: CollectionSet

    public init(store: any ProjectionStore, target: CollectionSet = .live(KeysProjector.projectionName)) {
        self.store = store
        self.target = target
    }

    public struct Latest: Sendable, Hashable {
        public var topic: String
        public var key: String
        public var partition: Int32
        public var offset: Int64
        public var eventID: String
        public var type: String
        public var time: Int64
        public var data: DocumentValue?
    }

    /// The latest event of `tenant`'s `key` on `topic`, or `nil` when the key was never seen.
    public func latest(tenant: String, topic: String, key: String) async throws -> Latest? {
        guard
            let document = try await store.find(
                target, collection: KeysProjector.collection, id: KeysProjector.documentID(tenant: tenant, topic: topic, key: key)),
            let partition = document["partition"]?.intValue, let offset = document["offset"]?.intValue,
            let eventID = document["eventId"]?.stringValue, let type = document["type"]?.stringValue,
            let time = document["time"]?.dateValue
        else { return nil }
        return Latest(
            topic: topic, key: key, partition: Int32(truncatingIfNeeded: partition), offset: offset, eventID: eventID, type: type,
            time: time, data: document["data"])
    }
}
