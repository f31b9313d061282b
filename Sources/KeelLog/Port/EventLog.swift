import KeelCore

/// The log port: an append-only, partitioned, replayable log of records, as Kafka defines it.
///
/// Every adapter (Kafka, embedded) passes the same conformance suite. Guarantees every adapter
/// keeps:
/// - **Durability:** `produce` returns only once every record is durable; an error means the
///   records it names were *not* acknowledged (see `ProduceFailure`).
/// - **Ordering:** records with the same key go to the same partition (murmur2, as Kafka's
///   default partitioner) and keep their produce order there.
/// - **Offsets:** per partition, dense from the first record ever written, never reused.
/// - **Thread-safety:** all methods may be called concurrently from any task.
public protocol EventLog: AnyObject, Sendable {
    /// A short label for messages: `embedded:/path` or `kafka:host:port`.
    var description: String { get }

    /// Appends records to `topic`, returning their coordinates in input order.
    /// Throws `ProduceFailure` when any record was not acknowledged (it says which were).
    func produce(_ records: [OutgoingRecord], to topic: String) async throws -> [RecordCoordinates]

    /// Opens a consumer. For `.group` subscriptions the consumer joins the group now.
    func makeConsumer(_ configuration: ConsumerConfiguration) async throws -> any EventConsumer

    // MARK: Admin

    /// Creates the topic. Returns `false` (and changes nothing) if it already exists.
    func createTopic(_ spec: TopicSpec) async throws -> Bool
    /// The topic, or `nil` when it does not exist. Never creates it.
    func describeTopic(_ name: String) async throws -> TopicDescription?
    /// Names of all topics (internal ones excluded), sorted.
    func listTopics() async throws -> [String]
    /// Deletes the topic and its records. Returns `false` if it did not exist.
    func deleteTopic(_ name: String) async throws -> Bool

    /// For each partition of `topic`: the offset of the first record with a timestamp at or after
    /// `timestampMs`, or the partition's end offset when there is none.
    func offsets(topic: String, atTimestampMs timestampMs: Int64) async throws -> [Int32: Int64]

    /// Flushes pending work and releases resources. Further calls fail with `.closed`. Idempotent.
    func shutdown() async throws
}

extension EventLog {
    /// Produces a single record.
    public func produce(_ record: OutgoingRecord, to topic: String) async throws -> RecordCoordinates {
        try await produce([record], to: topic)[0]
    }
}
