/// `audit`: every event of `keel.audit`, one document per event id, queryable by tenant, actor,
/// type and time.
///
/// Documents are written with `replace`, keyed by the event id, so a redelivered event rewrites
/// the same document with the same content. An audit event without a tenant, or whose data has
/// no `actor.id`, is poison: an audit trail must not silently file an entry under nobody.
public struct AuditProjector: Projector {
    public static let projectionName = "audit"
    public static let collection = "audit"
    public static let topic = "keel.audit"

    public var name: String { Self.projectionName }
    public let topics = [AuditProjector.topic]
    public let collections = [AuditProjector.collection]
    public let version = 1

    public init() {}

    public func project(_ event: ProjectedEvent) throws(ProjectionError) -> [DocumentChange] {
        let cloudEvent = event.event
        guard let tenant = cloudEvent.tenantid else {
            throw ProjectionError(code: "missing-attribute", "audit event \(cloudEvent.id) has no tenantid")
        }
        guard let data = cloudEvent.jsonData, case .object = data else {
            throw ProjectionError(code: "data", "audit event \(cloudEvent.id) has no JSON object data")
        }
        guard case .object(let actor)? = data["actor"], case .string(let actorID)? = actor["id"], !actorID.isEmpty else {
            throw ProjectionError(code: "data", "audit event \(cloudEvent.id): data.actor.id is missing or not a string")
        }
        var document: Document = [
            "tenant": .string(tenant),
            "actorId": .string(actorID),
            "actor": DocumentValue(.object(actor)),
            "type": .string(cloudEvent.type),
            "time": .date(event.instantMs),
            "source": .string(cloudEvent.source),
            "data": DocumentValue(data),
            "topic": .string(event.topic),
            "partition": .int(Int64(event.partition)),
            "offset": .int(event.offset),
        ]
        if case .string(let action)? = data["action"] { document["action"] = .string(action) }
        if case .string(let outcome)? = data["outcome"] { document["outcome"] = .string(outcome) }
        return [DocumentChange(collection: Self.collection, id: cloudEvent.id, operation: .replace(document))]
    }
}
