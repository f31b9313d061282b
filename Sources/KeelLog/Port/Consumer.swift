/// Where a consumer starts reading a partition it has not read before (or was told to reset).
public enum StartPosition: Sendable, Hashable {
    /// The group's committed offset; where none exists, `fallback` (which must not be `.committed`).
    case committed(fallback: ResetPosition)
    case earliest
    /// The end of the partition at the time of assignment: only records appended after it.
    case latest
    /// An absolute offset. Past the end means "wait for it"; before the start means the start.
    case offset(Int64)
    /// The first record whose timestamp is at or after this instant (milliseconds since epoch).
    case timestampMs(Int64)
}

/// Where to go when there is no committed offset.
public enum ResetPosition: Sendable, Hashable {
    case earliest
    case latest
}

/// How a consumer gets its partitions.
public enum Subscription: Sendable, Hashable {
    /// Join consumer group `group` for `topics`; the log assigns partitions and reports changes
    /// as `.assigned` / `.revoked` events. Offsets may be committed to the group.
    case group(id: String, topics: [String])
    /// Read exactly these partitions, with no group membership. `commitGroup`, when set, is the
    /// group whose committed offsets are used for `.committed` and receive `commit` calls.
    case partitions([TopicPartition], commitGroup: String? = nil)
}

public struct ConsumerConfiguration: Sendable, Hashable {
    public var subscription: Subscription
    public var start: StartPosition
    /// Upper bound on the records one `.records` event carries.
    public var maxBatchSize: Int

    public init(subscription: Subscription, start: StartPosition = .committed(fallback: .earliest), maxBatchSize: Int = 1000) {
        self.subscription = subscription
        self.start = start
        self.maxBatchSize = maxBatchSize
    }
}

/// What a consumer yields, in order.
public enum ConsumerEvent: Sendable, Hashable {
    /// Partitions newly owned by this consumer (group mode), or all of them at start (explicit mode).
    case assigned([TopicPartition])
    /// Partitions taken away by a rebalance. Commit what you processed of them before the next `next()`.
    case revoked([TopicPartition])
    /// Records, ordered by offset within each partition; never empty.
    case records([ConsumedRecord])
}

/// A reading position on one partition: the log's "next offset to read" for a group.
public struct PartitionOffset: Sendable, Hashable {
    public var topicPartition: TopicPartition
    /// The offset of the *next* record to read (Kafka's convention: last processed + 1).
    public var offset: Int64

    public init(_ topicPartition: TopicPartition, _ offset: Int64) {
        self.topicPartition = topicPartition
        self.offset = offset
    }
}

/// A live reader of one or more partitions.
///
/// Thread-safety: a consumer may be shared between tasks, but `poll` calls are served one at a
/// time; records of one partition are yielded in offset order, never twice unless the consumer
/// seeks back or restarts from an earlier commit. Use `events` to read it as an `AsyncSequence`.
public protocol EventConsumer: AnyObject, Sendable {
    /// Waits up to `timeout` for the next event. Returns `nil` on timeout, throws
    /// `EventLogError` with code `.closed` after `close()`. Cancellation returns promptly.
    func poll(timeout: Duration) async throws -> ConsumerEvent?

    /// Commits reading positions for the consumer's group (next offset to read per partition).
    /// Durable when it returns.
    func commit(_ offsets: [PartitionOffset]) async throws

    /// The group's committed positions for these partitions (`nil` where none).
    func committed(_ partitions: [TopicPartition]) async throws -> [TopicPartition: Int64]

    /// Moves the reading position of an assigned partition; the next records of it start there.
    func seek(_ partition: TopicPartition, to position: StartPosition) async throws

    /// The partitions this consumer currently reads.
    func assignment() async throws -> [TopicPartition]

    /// Leaves the group (after a final revocation) and releases resources. Idempotent.
    func close() async throws
}

extension EventConsumer {
    /// The consumer's events as an `AsyncSequence` that ends when the consumer is closed.
    public var events: ConsumerEvents { ConsumerEvents(consumer: self) }
}

/// An `AsyncSequence` over a consumer's events. Ends (returns `nil`) once the consumer is closed
/// or the iterating task is cancelled; rethrows any other failure.
public struct ConsumerEvents: AsyncSequence, Sendable {
    public typealias Element = ConsumerEvent
    let consumer: any EventConsumer

    public struct AsyncIterator: AsyncIteratorProtocol {
        let consumer: any EventConsumer

        public mutating func next() async throws -> ConsumerEvent? {
            while !Task.isCancelled {
                do {
                    if let event = try await consumer.poll(timeout: .milliseconds(500)) { return event }
                } catch let error as EventLogError where error.code == .closed {
                    return nil
                }
            }
            return nil
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(consumer: consumer) }
}
