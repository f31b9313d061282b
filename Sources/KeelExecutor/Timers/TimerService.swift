import KeelCore
import KeelLog
import Logging
import ServiceLifecycle

/// The `scheduler` role's timer service: durable timers on `keel.scheduler.timers`.
///
/// A timer names the topic, type and data of the event its firing delivers (for runs: a
/// `timer-fired` command on the run's key). The service owns timers through the consumer group,
/// rebuilds the pending ones of a newly assigned partition from its history (scheduled, minus
/// due and cancelled), holds them in memory ordered by fire time, and at the fire time appends the
/// delivery and then `timer.due`. A crash between the two delivers again after restart; every
/// consumer ignores a firing it no longer waits for, so a timer takes effect once.
public final class TimerService: Service, Sendable {
    public static let topic = "keel.scheduler.timers"
    public static let scheduledType = "keel.scheduler.timer.scheduled"
    public static let cancelledType = "keel.scheduler.timer.cancelled"
    public static let dueType = "keel.scheduler.timer.due"

    public struct Configuration: Sendable {
        public var group = "keel.scheduler.timers"
        public init() {}
    }

    let writer: KeelEventWriter
    let configuration: Configuration
    let logger: Logger

    public init(writer: KeelEventWriter, configuration: Configuration = Configuration(), logger: Logger) {
        self.writer = writer
        self.configuration = configuration
        self.logger = logger
    }

    public static func scheduledData(
        timerId: String, fireAtMs: Int64, ownerKind: String, ownerId: String, deliverTo: (topic: String, type: String, data: JSONValue)
    ) -> JSONValue {
        .object([
            "timerId": .string(timerId), "fireAt": .string(RFC3339.format(milliseconds: fireAtMs)), "fireAtMs": .int(fireAtMs),
            "owner": .object(["kind": .string(ownerKind), "id": .string(ownerId)]),
            "deliverTo": .object([
                "topic": .string(deliverTo.topic), "key": .string(ownerId), "type": .string(deliverTo.type), "data": deliverTo.data,
            ]),
        ])
    }

    public func run() async throws {
        let consumer = try await writer.log.makeConsumer(
            ConsumerConfiguration(subscription: .group(id: configuration.group, topics: [Self.topic]), start: .committed(fallback: .earliest)))
        var book = TimerBook()
        do {
            while !Task.isShuttingDownGracefully, !Task.isCancelled {
                let now = WallClock.nowMs()
                let wait = min(100, max(1, (book.nextFireAtMs ?? (now + 100)) - now))
                switch try await consumer.poll(timeout: .milliseconds(wait)) {
                case .assigned(let partitions)?:
                    for partition in partitions { await rebuild(partition, into: &book) }
                case .revoked(let partitions)?:
                    book.drop(partitions: Set(partitions.map(\.partition)))
                case .records(let records)?:
                    for record in records { book.apply(record) }
                case nil:
                    break
                }
                await fireDue(&book)
            }
        } catch let error as EventLogError where error.code == .closed {
            // The process is stopping.
        }
        try? await consumer.close()
    }

    func fireDue(_ book: inout TimerBook) async {
        let now = WallClock.nowMs()
        let due = book.takeDue(nowMs: now)
        guard !due.isEmpty else { return }
        var deliveries: [String: [CloudEvent]] = [:]
        var marks: [CloudEvent] = []
        for timer in due {
            do {
                let delivery = try writer.event(
                    type: timer.deliverType, topic: timer.deliverTopic, tenant: timer.tenant, data: timer.deliverData,
                    id: "\(timer.tenant)/\(timer.timerId)/fired", nowMs: now)
                deliveries[timer.deliverTopic, default: []].append(delivery)
                marks.append(
                    try writer.event(
                        type: Self.dueType, topic: Self.topic, tenant: timer.tenant,
                        data: .object([
                            "timerId": .string(timer.timerId), "fireAt": .string(RFC3339.format(milliseconds: timer.fireAtMs)),
                            "firedAt": .string(RFC3339.format(milliseconds: now)),
                        ]), id: "\(timer.tenant)/\(timer.timerId)/due", nowMs: now))
            } catch {
                logger.error("timers: cannot deliver a timer; dropped", metadata: ["timer": "\(timer.timerId)", "error": "\(error)"])
            }
        }
        do {
            for (topic, events) in deliveries { try await writer.append(events, to: topic) }
            try await writer.append(marks, to: Self.topic)
        } catch {
            logger.error("timers: delivery failed; retrying", metadata: ["error": "\(error)"])
            for timer in due { book.add(timer) }
        }
    }

    func rebuild(_ partition: TopicPartition, into book: inout TimerBook) async {
        do {
            try await writer.log.readPartitionToEnd(partition) { records in
                for record in records { book.apply(record) }
            }
        } catch {
            logger.error("timers: could not rebuild a partition", metadata: ["partition": "\(partition)", "error": "\(error)"])
        }
    }
}
