/// `dedupe`: the first accepted record of every (tenant, source, id), so the gateway can answer
/// a retried publish with "already accepted" instead of writing the event twice.
///
/// CloudEvents defines `source` + `id` as an event's identity; Keel scopes it by tenant so one
/// tenant can neither see nor block another's ids. One document per identity, written as an
/// upsert with `setOnInsert` only: the first occurrence in log order wins and later duplicates
/// (and replays) change nothing, so the projection is idempotent and replay equals live.
/// Events without a `tenantid` are not ingest traffic and have no entry.
///
/// `accepted` is a keyed set (`KeyedSetSpec`): an entry expires `retentionSeconds` after its
/// `acceptedAt` (the record's log timestamp), and an identity accepted again after that starts
/// a fresh entry. Stores may keep it clustered by time (the embedded store does), so an event
/// costs one insert next to the other recent ones instead of a document on its own B-tree leaf.
public struct IngestDedupeProjector: Projector {
    public static let projectionName = "dedupe"
    public static let collection = "accepted"
    /// ASCII unit separator, joining the parts of a document id.
    public static let separator = "\u{1F}"
    /// Seven days: the gateway's default dedupe window, and the least retention `keel serve` gives.
    public static let defaultRetentionSeconds = 7 * 86_400

    public var name: String { Self.projectionName }
    public let topics: [String]
    public let collections = [IngestDedupeProjector.collection]
    public let version = 1
    public let keyedSets: [KeyedSetSpec]

    /// `retentionSeconds`: how long an accepted identity is remembered; the gateway's dedupe
    /// window cannot reach further back than this.
    public init(topics: [String], retentionSeconds: Int = Self.defaultRetentionSeconds) {
        self.topics = topics
        keyedSets = [KeyedSetSpec(collection: Self.collection, timeField: "acceptedAt", retentionSeconds: retentionSeconds)]
    }

    /// `tenant ␟ source ␟ id`. `source` and `id` are arbitrary producer strings, so any printable
    /// separator (`|`, `/`, `:`) could occur inside them and make two identities collide
    /// (`a|b` + `c` vs `a` + `b|c`). The unit separator is a control character, which neither a
    /// tenant id nor a URI-reference `source` can contain; `id` comes last, so whatever it holds,
    /// splitting at the first two separators gives back exactly one identity.
    public static func documentID(tenant: String, source: String, id: String) -> String {
        tenant + separator + source + separator + id
    }

    public func project(_ event: ProjectedEvent) throws(ProjectionError) -> [DocumentChange] {
        let cloudEvent = event.event
        guard let tenant = cloudEvent.tenantid else { return [] }
        let document: Document = [
            "tenant": .string(tenant),
            "source": .string(cloudEvent.source),
            "eventId": .string(cloudEvent.id),
            "topic": .string(event.topic),
            "partition": .int(Int64(event.partition)),
            "offset": .int(event.offset),
            "acceptedAt": .date(event.timestampMs),
        ]
        let id = Self.documentID(tenant: tenant, source: cloudEvent.source, id: cloudEvent.id)
        return [DocumentChange(collection: Self.collection, id: id, operation: .upsert(DocumentUpdate(setOnInsert: document)))]
    }
}
