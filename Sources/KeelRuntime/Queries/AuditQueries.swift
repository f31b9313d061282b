import KeelCore
import KeelStore

/// Typed reads of the `audit` projection.
public struct AuditQueries: Sendable {
    let store: any ProjectionStore
    let target: CollectionSet

    public init(store: any ProjectionStore, target: CollectionSet = .live(AuditProjector.projectionName)) {
        self.store = store
        self.target = target
    }

    public struct Entry: Sendable, Hashable {
        public var eventID: String
        public var tenant: String
        public var actorID: String
        public var type: String
        public var time: Int64
        public var action: String?
        public var outcome: String?
        /// The event's data as stored.
        public var data: DocumentValue?

        init?(_ document: Document) {
            guard let id = document["_id"]?.stringValue, let tenant = document["tenant"]?.stringValue,
                let actor = document["actorId"]?.stringValue, let type = document["type"]?.stringValue,
                let time = document["time"]?.dateValue
            else { return nil }
            (eventID, self.tenant, actorID, self.type, self.time) = (id, tenant, actor, type, time)
            action = document["action"]?.stringValue
            outcome = document["outcome"]?.stringValue
            data = document["data"]
        }
    }

    public struct Page: Sendable, Hashable {
        public var entries: [Entry]
        /// Pass as `after` for the next page; `nil` on the last page.
        public var nextCursor: String?
    }

    /// A tenant's audit entries, newest first, optionally by actor id, type and time range
    /// (`from` inclusive, `to` exclusive, UTC ms). Pages are stable under concurrent inserts.
    public func search(
        tenant: String, actor: String? = nil, type: String? = nil, from: Int64? = nil, to: Int64? = nil, limit: Int = 100,
        after: String? = nil
    ) async throws -> Page {
        var filter = [FieldFilter("tenant", .equals(.string(tenant)))]
        if let actor { filter.append(FieldFilter("actorId", .equals(.string(actor)))) }
        if let type { filter.append(FieldFilter("type", .equals(.string(type)))) }
        if let from { filter.append(FieldFilter("time", .greaterThanOrEqual(.date(from)))) }
        if let to { filter.append(FieldFilter("time", .lessThan(.date(to)))) }
        let page = try await store.query(
            DocumentQuery(
                target: target, collection: AuditProjector.collection, filter: filter, sort: [SortField("time", ascending: false)],
                limit: limit, after: after))
        return Page(entries: page.documents.compactMap(Entry.init), nextCursor: page.nextCursor)
    }
}
