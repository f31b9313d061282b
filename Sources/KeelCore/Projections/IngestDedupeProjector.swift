/// `dedupe`: the first accepted record of every (tenant, source, id), so the gateway can answer
/// a retried publish with "already accepted" instead of writing the event twice.
///
/// CloudEvents defines `source` + `id` as an event's identity; Keel scopes it by tenant so one
/// tenant can neither see nor block another's ids. One document per identity, written as an
/// upsert with `setOnInsert` only: the first occurrence in log order wins and later duplicates
/// (and replays) change nothing, so the projection is idempotent and replay equals live.
/// Events without a `tenantid` are not ingest traffic and have no entry.
public struct IngestDedupeProjector: Projector {
    public static let projectionName = "dedupe"
    public static let collection = "accepted"
    /// ASCII unit separator, joining the parts of a document id.
    public static let separator = "\u{1F}"

    public var name: String { Self.projectionName }
    public let topics: [String]
    public let collections = [IngestDedupeProjector.collection]
    public let version = 1

    public init(topics: [String]) {
        self.topics = topics
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
