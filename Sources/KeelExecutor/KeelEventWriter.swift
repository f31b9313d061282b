import Foundation
import KeelCore
import KeelLog
import KeelRuntime

/// Builds and appends the events Keel's roles write themselves: checked against the catalog (type,
/// schema, tenant-scoped key) exactly like ingested events, stamped with the tenant.
///
/// Thread-safety: immutable; `append` may be called from any task.
public struct KeelEventWriter: Sendable {
    public let log: any EventLog
    public let catalog: TopicCatalog
    public let source: String

    public init(log: any EventLog, catalog: TopicCatalog, source: String) {
        self.log = log
        self.catalog = catalog
        self.source = source
    }

    /// A checked event; `id` defaults to a fresh UUIDv7 (pass a deterministic one to deduplicate).
    public func event(
        type: String, topic: String, tenant: String, data: JSONValue, id: String? = nil, partitionKey: String? = nil,
        nowMs: Int64
    ) throws(EventValidationError) -> CloudEvent {
        let time = Date(timeIntervalSince1970: Double(nowMs) / 1000)
        var event = CloudEvent(id: id ?? SystemIDs.uuidv7(now: time), source: source, type: type, time: time, json: data)
        event.tenantid = tenant
        if let partitionKey { event.partitionkey = partitionKey }
        return try catalog.prepare(event, forTopic: topic)
    }

    /// Appends events to one topic in order; durable when it returns.
    @discardableResult
    public func append(_ events: [CloudEvent], to topic: String) async throws -> [RecordCoordinates] {
        guard !events.isEmpty else { return [] }
        return try await log.produce(events.map { OutgoingRecord($0) }, to: topic)
    }
}

/// Milliseconds since the epoch, from the system clock (the roles' one clock).
public enum WallClock {
    public static func nowMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
}
