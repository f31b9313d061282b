import Foundation
import KeelCore
import KeelLog

/// What a subscriber asked for: one topic of one tenant, optionally one key and one type
/// (exact or `prefix.*`), from a starting point.
public struct LiveStreamRequest: Sendable, Hashable {
    public var topic: String
    public var tenant: String
    public var key: String?
    public var type: String?
    public var start: LiveStart

    public init(topic: String, tenant: String, key: String? = nil, type: String? = nil, start: LiveStart = .latest) {
        self.topic = topic
        self.tenant = tenant
        self.key = key
        self.type = type
        self.start = start
    }

    func matches(_ event: CloudEvent) -> Bool {
        guard event.tenantid == tenant else { return false }
        if let key, event.partitionkey != key { return false }
        if let type { return EventTypePattern.matches(type, type: event.type) }
        return true
    }
}

/// One event as a subscriber receives it: structured CloudEvents JSON with the record's
/// coordinates and the resume position as extension attributes (`keeltopic`, `keelpartition`,
/// `keeloffset`, `keelposition`), so any CloudEvents parser reads it.
public struct LiveMessage: Sendable {
    public var json: [UInt8]
    public var position: StreamPosition
    public var type: String
}

/// What a live stream carries: events, and — on SSE streams — heartbeats and the moment it went live.
public enum LiveItem: Sendable {
    case event(LiveMessage)
    case heartbeat
    /// The stream reached the live feed: what is produced from now on will arrive (SSE tells the
    /// client with a `: subscribed` comment).
    case joined
}

/// What a subscription reads of its topic.
public enum LiveStreamReader {
    /// The partitions to read of a topic of `count` partitions: all, or only the key's.
    public static func partitions(for request: LiveStreamRequest, count: Int32) throws(Problem) -> [Int32] {
        if let key = request.key {
            return [KafkaPartitioner.partition(forKey: Array(key.utf8), partitions: count)]
        }
        if case .position(let position) = request.start {
            if let bad = position.offsets.keys.first(where: { $0 >= count }) {
                throw Problem.badRequest("position names partition \(bad) but '\(request.topic)' has \(count)", field: "from")
            }
        }
        return Array(0..<count)
    }
}
