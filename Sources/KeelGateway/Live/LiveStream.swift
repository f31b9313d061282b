import Foundation
import KeelCore
import KeelLog
import Logging
import KeelRuntime
import ServiceLifecycle
import Synchronization

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

/// What a live stream carries: events, and — on idle SSE streams — heartbeats.
public enum LiveItem: Sendable {
    case event(LiveMessage)
    case heartbeat
}

/// Reads a topic for one subscriber: per-partition order, the caller's tenant only, positions
/// advanced over every record (filtered ones too) so a resume neither repeats nor skips.
///
/// Backpressure: messages go to a bounded buffer; when the subscriber does not drain it fast
/// enough the stream ends with `overflowed` set, and the subscriber resumes from the last
/// position it received. Nothing is ever buffered without bound.
public struct LiveStreamReader: Sendable {
    let log: any EventLog
    let request: LiveStreamRequest
    let logger: Logger

    public init(log: any EventLog, request: LiveStreamRequest, logger: Logger) {
        self.log = log
        self.request = request
        self.logger = logger
    }

    /// The partitions to read: all, or only the key's.
    public static func partitions(for request: LiveStreamRequest, in log: any EventLog) async throws(Problem) -> [Int32] {
        let description: TopicDescription?
        do {
            description = try await log.describeTopic(request.topic)
        } catch {
            throw Problem(.unavailable, "the log is unavailable; retry")
        }
        guard let description else { throw Problem.notFound("no topic '\(request.topic)'") }
        let count = Int32(description.partitions)
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

    /// Reads until cancelled, the buffer overflows or the process shuts down. Yields into
    /// `continuation`; sets `overflowed` and finishes the stream when the subscriber falls
    /// `capacity` messages behind. A failure is logged and rethrown.
    public func run(
        partitions: [Int32], into continuation: AsyncStream<LiveItem>.Continuation, overflowed: OverflowFlag, heartbeat: Duration?
    ) async throws {
        do {
            // A live stream never ends by itself: at shutdown it must, or draining would wait
            // for every subscriber to leave. Subscribers resume from their last position.
            try await withGracefulShutdownHandler {
                try await read(partitions: partitions, into: continuation, overflowed: overflowed, heartbeat: heartbeat)
            } onGracefulShutdown: {
                continuation.finish()
            }
        } catch {
            logger.warning("live stream of \(request.topic) failed: \(error)")
            throw error
        }
    }

    private func read(
        partitions: [Int32], into continuation: AsyncStream<LiveItem>.Continuation, overflowed: OverflowFlag, heartbeat: Duration?
    ) async throws {
        /// False when the stream must end: the subscriber fell behind, or the stream was finished.
        func deliver(_ item: LiveItem) -> Bool {
            switch continuation.yield(item) {
            case .dropped:
                overflowed.set()
                return false
            case .terminated:
                return false
            default:
                return true
            }
        }
        let topicPartitions = partitions.map { TopicPartition(request.topic, $0) }
        // Every partition starts at a known offset, so the very first position handed out
        // already covers all of them (a resume never falls back to the start of a partition).
        var position = StreamPosition()
        switch request.start {
        case .earliest:
            for partition in partitions { position.offsets[partition] = 0 }
        case .position(let requested):
            for partition in partitions { position.offsets[partition] = requested.offsets[partition] ?? 0 }
        case .latest:
            let ends = try await LogOffsets.ends(of: [request.topic], in: log)
            for partition in topicPartitions { position.offsets[partition.partition] = ends[partition] ?? 0 }
        case .timestampMs(let ms):
            let offsets = try await log.offsets(topic: request.topic, atTimestampMs: ms)
            for partition in partitions { position.offsets[partition] = offsets[partition] ?? 0 }
        }
        let consumer = try await log.makeConsumer(ConsumerConfiguration(
            subscription: .partitions(topicPartitions), start: .earliest, maxBatchSize: 500))
        do {
            // Partitions can be sought once the consumer reports them assigned (its first event).
            var assigned = false
            while !assigned, !Task.isCancelled {
                if case .assigned? = try await consumer.poll(timeout: .milliseconds(250)) { assigned = true }
            }
            for partition in topicPartitions {
                try await consumer.seek(partition, to: .offset(position.offsets[partition.partition] ?? 0))
            }
            let clock = ContinuousClock()
            var lastSent = clock.now
            loop: while !Task.isCancelled {
                guard let event = try await consumer.poll(timeout: .milliseconds(250)) else {
                    if let heartbeat, lastSent.duration(to: clock.now) >= heartbeat {
                        lastSent = clock.now
                        if !deliver(.heartbeat) { break loop }
                    }
                    continue
                }
                guard case .records(let records) = event else { continue }
                for record in records {
                    // A record behind the position was handed out already (or precedes the
                    // start): a client resuming from a position must never see it twice.
                    guard record.offset >= (position.offsets[record.partition] ?? 0) else { continue }
                    position.offsets[record.partition] = record.offset + 1
                    guard let cloudEvent = try? KafkaBinding.decodeStamped(key: record.key, value: record.value, headers: record.headers),
                        request.matches(cloudEvent)
                    else { continue }
                    let message = Self.message(cloudEvent, record: record, position: position)
                    lastSent = clock.now
                    if !deliver(.event(message)) { break loop }
                }
            }
        } catch let error as EventLogError where error.code == .closed {
            // The log is shutting down with the process.
        } catch {
            continuation.finish()
            try? await consumer.close()
            throw error
        }
        continuation.finish()
        try? await consumer.close()
    }

    static func message(_ event: CloudEvent, record: ConsumedRecord, position: StreamPosition) -> LiveMessage {
        var annotated = event
        annotated.extensions["keeltopic"] = record.topic
        annotated.extensions["keelpartition"] = String(record.partition)
        annotated.extensions["keeloffset"] = String(record.offset)
        annotated.extensions["keelposition"] = position.description
        return LiveMessage(json: annotated.structured().serialized(), position: position, type: event.type)
    }
}
