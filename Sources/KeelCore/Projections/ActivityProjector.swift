/// `activity`: how many events of each type each tenant produced per hour, with the first and
/// last instant seen in that hour.
///
/// One document per (tenant, type, UTC hour), id `tenant|type|hourStartMs` (deterministic, so
/// replays and redeliveries address the same document). Every event contributes `$inc count 1`,
/// `$min firstTime`, `$max lastTime` — commutative operators, so partitions may interleave in
/// any order and the result is the same. Events without a tenant are filed under tenant `-`.
public struct ActivityProjector: Projector {
    public static let projectionName = "activity"
    public static let collection = "activity"
    /// The tenant used for events that carry no `tenantid`.
    public static let noTenant = "-"
    /// Topics left out by default: streaming token deltas are too fine-grained to be "activity".
    public static let excludedByDefault: Set<String> = ["keel.assistant.tokens"]

    public var name: String { Self.projectionName }
    public let topics: [String]
    public let collections = [ActivityProjector.collection]
    public let version = 1

    /// `topics`: what to count; see `defaultTopics(in:)`.
    public init(topics: [String]) {
        self.topics = topics
    }

    /// Every tenant-readable topic of the catalog except `excludedByDefault`: counts are served
    /// to tenants, so internal topics stay out.
    public static func defaultTopics(in catalog: TopicCatalog) -> [String] {
        catalog.tenantReadableTopics.filter { !excludedByDefault.contains($0) }
    }

    /// The UTC hour an instant falls in (floor, also for instants before 1970).
    public static func hourStart(_ milliseconds: Int64) -> Int64 {
        let hour: Int64 = 3_600_000
        let quotient = milliseconds / hour
        return (milliseconds % hour < 0 ? quotient - 1 : quotient) * hour
    }

    public static func documentID(tenant: String, type: String, hourStartMs: Int64) -> String {
        "\(tenant)|\(type)|\(hourStartMs)"
    }

    public func project(_ event: ProjectedEvent) throws(ProjectionError) -> [DocumentChange] {
        let tenant = event.event.tenantid ?? Self.noTenant
        let instant = event.instantMs
        let hour = Self.hourStart(instant)
        let update = DocumentUpdate(
            setOnInsert: ["tenant": .string(tenant), "type": .string(event.event.type), "hour": .date(hour)],
            inc: ["count": .int(1)],
            max: ["lastTime": .date(instant)],
            min: ["firstTime": .date(instant)]
        )
        let id = Self.documentID(tenant: tenant, type: event.event.type, hourStartMs: hour)
        return [DocumentChange(collection: Self.collection, id: id, operation: .upsert(update))]
    }
}
