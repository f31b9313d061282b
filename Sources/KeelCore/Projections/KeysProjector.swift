/// `keys`: the latest event per (tenant, topic, key) with its coordinates.
///
/// One document per (tenant, topic, key), id `tenant|topic|key`, written with `replace`. The
/// tenant is part of the identity: keys on shared topics are chosen by producers, so without it
/// one tenant's event would replace another's document. Neither a tenant id nor a topic name can
/// hold `|`, so the key, last, may hold anything. Events without a tenant are filed under `-`
/// (no tenant's reads ever match them). Why replace is safe
/// without an offset guard: all records of a key live in one partition and the runtime applies a
/// partition strictly in offset order, and a batch at or behind the stored checkpoint is skipped
/// whole — so an older record can never be applied after a newer one. (A `$max`-guarded
/// conditional replace is not expressible with `DocumentUpdate`: `$set` is unconditional.)
/// Keyless records have no entry.
public struct KeysProjector: Projector {
    public static let projectionName = "keys"
    public static let collection = "keys"

    public var name: String { Self.projectionName }
    public let topics: [String]
    public let collections = [KeysProjector.collection]
    public let version = 1

    public init(topics: [String]) {
        self.topics = topics
    }

    /// The tenant used for events that carry no `tenantid`.
    public static let noTenant = "-"

    public static func documentID(tenant: String, topic: String, key: String) -> String { "\(tenant)|\(topic)|\(key)" }

    public func project(_ event: ProjectedEvent) throws(ProjectionError) -> [DocumentChange] {
        guard let key = event.key else { return [] }
        let cloudEvent = event.event
        var document: Document = [
            "topic": .string(event.topic),
            "key": .string(key),
            "partition": .int(Int64(event.partition)),
            "offset": .int(event.offset),
            "timestamp": .date(event.timestampMs),
            "eventId": .string(cloudEvent.id),
            "type": .string(cloudEvent.type),
            "source": .string(cloudEvent.source),
            "time": .date(event.instantMs),
        ]
        if let tenant = cloudEvent.tenantid { document["tenant"] = .string(tenant) }
        if let version = cloudEvent.dataversion { document["dataversion"] = .int(Int64(version)) }
        if let data = cloudEvent.data { document["data"] = data.documentValue }
        let id = Self.documentID(tenant: cloudEvent.tenantid ?? Self.noTenant, topic: event.topic, key: key)
        return [DocumentChange(collection: Self.collection, id: id, operation: .replace(document))]
    }
}
