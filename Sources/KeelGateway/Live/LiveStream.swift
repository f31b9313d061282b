import Foundation
import KeelCore
import KeelLog
import NIOCore

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
///
/// Rendered once per event (and partition set) for every subscriber that receives it: the SSE
/// frame and the WebSocket text share their storage across subscribers, so fanning one event
/// out to ten thousand of them copies nothing.
public final class LiveMessage: Sendable {
    public let json: [UInt8]
    public let position: StreamPosition
    public let type: String
    /// `id: <position>`, `data: <json>` and the blank line that ends an SSE event.
    public let sseFrame: ByteBuffer
    /// The JSON as a WebSocket text frame's payload.
    public let text: String

    public init(json: [UInt8], position: StreamPosition, type: String) {
        self.json = json
        self.position = position
        self.type = type
        var frame = ByteBuffer()
        frame.reserveCapacity(json.count + 64)
        frame.writeString("id: \(position)\ndata: ")
        frame.writeBytes(json)
        frame.writeString("\n\n")
        sseFrame = frame
        text = String(decoding: json, as: UTF8.self)
    }
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
