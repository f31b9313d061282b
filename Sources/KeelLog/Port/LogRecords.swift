import KeelCore

/// A (topic, partition) pair: the unit of ordering and of ownership in a consumer group.
public struct TopicPartition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(_ topic: String, _ partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public static func < (lhs: TopicPartition, rhs: TopicPartition) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }

    public var description: String { "\(topic)[\(partition)]" }
}

/// A record to append to a topic.
///
/// When `partition` is `nil` the log chooses it from the key exactly as Kafka's default
/// partitioner does (murmur2 of the key bytes, positive, modulo the partition count); a record
/// with a `nil` key goes to a partition of the log's choosing.
public struct OutgoingRecord: Sendable, Hashable {
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [RecordHeader]
    /// Milliseconds since the Unix epoch; `nil` lets the log stamp the append time.
    public var timestampMs: Int64?
    public var partition: Int32?

    public init(
        key: [UInt8]?,
        value: [UInt8]?,
        headers: [RecordHeader] = [],
        timestampMs: Int64? = nil,
        partition: Int32? = nil
    ) {
        self.key = key
        self.value = value
        self.headers = headers
        self.timestampMs = timestampMs
        self.partition = partition
    }
}

extension OutgoingRecord {
    /// `event` in the CloudEvents Kafka binary content mode (`KafkaBinding.encode`): `ce_`
    /// headers, the data as the value, `partitionkey` as the key — how Keel writes every event.
    public init(_ event: CloudEvent, timestampMs: Int64? = nil, partition: Int32? = nil) {
        let encoded = KafkaBinding.encode(event)
        self.init(key: encoded.key, value: encoded.value, headers: encoded.headers, timestampMs: timestampMs, partition: partition)
    }
}

/// Where an acknowledged record now lives. Returned only once the record is durable
/// (Kafka: acknowledged by all in-sync replicas; embedded: committed to the log file).
public struct RecordCoordinates: Sendable, Hashable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var timestampMs: Int64

    public init(topic: String, partition: Int32, offset: Int64, timestampMs: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestampMs = timestampMs
    }

    public var description: String { "\(topic)[\(partition)]@\(offset)" }
}

/// A record read from a topic.
public struct ConsumedRecord: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var timestampMs: Int64
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [RecordHeader]

    public init(
        topic: String,
        partition: Int32,
        offset: Int64,
        timestampMs: Int64,
        key: [UInt8]?,
        value: [UInt8]?,
        headers: [RecordHeader]
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestampMs = timestampMs
        self.key = key
        self.value = value
        self.headers = headers
    }

    public var topicPartition: TopicPartition { TopicPartition(topic, partition) }
    public var coordinates: RecordCoordinates {
        RecordCoordinates(topic: topic, partition: partition, offset: offset, timestampMs: timestampMs)
    }
}
