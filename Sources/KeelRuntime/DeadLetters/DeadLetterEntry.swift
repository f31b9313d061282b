import KeelCore
import KeelStore

/// One dead-letter entry of a projection: an event the projector could not apply (`poison`) or
/// one waiting behind such an event of the same key (`parked`).
///
/// Entries are documents of the projection's own `deadletters` collection, written in the same
/// atomic batch as the checkpoint that moved past their record, so the blocked state survives
/// restarts exactly as far as the projection itself got, and a replay rebuilds it too.
public struct DeadLetterEntry: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable {
        /// The projector failed on this event; its key is blocked.
        case poison
        /// Waiting behind the poison event of its key; applied on redrive or skip.
        case parked
    }

    /// The collection (logical name) a projection keeps its dead letters in:
    /// `<projection>_deadletters`. Per projection, because live collection names are physical
    /// names shared by every projection of the store.
    public static func collection(of projection: String) -> String { "\(projection)_deadletters" }

    public var projection: String
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    /// The record key as text; `nil` for keyless records (which block nothing).
    public var key: String?
    /// The tenant the record was stamped with (`nil` for records of no tenant). Part of what a
    /// dead letter blocks: one tenant's poison record never parks another tenant's records.
    public var tenant: String?
    public var status: Status
    public var error: ProjectionError?
    /// For parked entries: the id of the poison entry they wait behind.
    public var blockedBy: String?
    public var eventID: String?
    public var eventType: String?
    /// The record's log timestamp.
    public var timestampMs: Int64

    public init(
        projection: String, topic: String, partition: Int32, offset: Int64, key: String?, tenant: String? = nil, status: Status,
        error: ProjectionError? = nil, blockedBy: String? = nil, eventID: String? = nil, eventType: String? = nil,
        timestampMs: Int64
    ) {
        self.projection = projection
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.tenant = tenant
        self.status = status
        self.error = error
        self.blockedBy = blockedBy
        self.eventID = eventID
        self.eventType = eventType
        self.timestampMs = timestampMs
    }

    /// The id operators use (`keel dlq redrive ID`): `projection:topic:partition:offset`.
    public var id: String { Self.id(projection: projection, topic: topic, partition: partition, offset: offset) }

    public static func id(projection: String, topic: String, partition: Int32, offset: Int64) -> String {
        "\(projection):\(topic):\(partition):\(offset)"
    }

    /// The document id inside the projection's `deadletters` collection.
    public var documentID: String { "\(topic):\(partition):\(offset)" }

    /// Parses an operator id into (projection, document id).
    public static func parse(_ id: String) -> (projection: String, documentID: String)? {
        let parts = id.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 4, !parts[0].isEmpty, !parts[1].isEmpty, Int32(parts[2]) != nil, Int64(parts[3]) != nil else {
            return nil
        }
        return (parts[0], "\(parts[1]):\(parts[2]):\(parts[3])")
    }

    public var blockKey: BlockKey? { key.map { BlockKey(tenant: tenant, topic: topic, key: $0) } }

    public var document: Document {
        var document: Document = [
            "projection": .string(projection), "topic": .string(topic), "partition": .int(Int64(partition)),
            "offset": .int(offset), "status": .string(status.rawValue), "timestamp": .date(timestampMs),
            "entryId": .string(id),
        ]
        if let key { document["key"] = .string(key) }
        if let tenant { document["tenant"] = .string(tenant) }
        if let blockKey { document["blockKey"] = .string(blockKey.description) }
        if let error { document["error"] = .object(["code": .string(error.code), "message": .string(error.message)]) }
        if let blockedBy { document["blockedBy"] = .string(blockedBy) }
        if let eventID { document["eventId"] = .string(eventID) }
        if let eventType { document["type"] = .string(eventType) }
        return document
    }

    public init?(document: Document) {
        guard case .string(let projection)? = document["projection"], case .string(let topic)? = document["topic"],
            case .int(let partition)? = document["partition"], case .int(let offset)? = document["offset"],
            case .string(let rawStatus)? = document["status"], let status = Status(rawValue: rawStatus)
        else { return nil }
        self.init(
            projection: projection, topic: topic, partition: Int32(truncatingIfNeeded: partition), offset: offset,
            key: document["key"]?.stringValue, tenant: document["tenant"]?.stringValue, status: status, blockedBy: document["blockedBy"]?.stringValue,
            eventID: document["eventId"]?.stringValue, eventType: document["type"]?.stringValue,
            timestampMs: document["timestamp"]?.dateValue ?? 0)
        if case .object(let error)? = document["error"] {
            self.error = ProjectionError(code: error["code"]?.stringValue ?? "unknown", error["message"]?.stringValue ?? "")
        }
    }

    var replacement: DocumentChange {
        DocumentChange(collection: Self.collection(of: projection), id: documentID, operation: .replace(document))
    }

    var deletion: DocumentChange {
        DocumentChange(collection: Self.collection(of: projection), id: documentID, operation: .delete)
    }
}

/// The unit of per-key ordering a dead letter blocks: one tenant's key within one topic.
///
/// The tenant is part of it because keys on shared topics are chosen by producers: without it,
/// tenant A's poison record under key `k` would park every other tenant's records of `k`.
public struct BlockKey: Sendable, Hashable, CustomStringConvertible {
    public var tenant: String?
    public var topic: String
    public var key: String

    public init(tenant: String?, topic: String, key: String) {
        self.tenant = tenant
        self.topic = topic
        self.key = key
    }

    /// `tenant|topic|key` (`-` for no tenant); neither a tenant id nor a topic name holds `|`.
    public var description: String { "\(tenant ?? "-")|\(topic)|\(key)" }
}

extension ProjectionStore {
    /// Every dead-letter entry of a projection generation, in (topic, partition, offset) order.
    public func deadLetters(_ target: CollectionSet) async throws -> [DeadLetterEntry] {
        var entries: [DeadLetterEntry] = []
        var cursor: String?
        repeat {
            let page = try await query(
                DocumentQuery(
                    target: target, collection: DeadLetterEntry.collection(of: target.projection),
                    sort: [SortField("topic"), SortField("partition"), SortField("offset")], limit: 1000, after: cursor))
            entries += page.documents.compactMap(DeadLetterEntry.init(document:))
            cursor = page.nextCursor
        } while cursor != nil
        return entries
    }
}
