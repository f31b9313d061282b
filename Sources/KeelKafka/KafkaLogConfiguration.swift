/// How `KafkaEventLog` connects to Kafka and how it produces and consumes.
///
/// Keel's defaults come first; `properties` (both clients), then `producerProperties` /
/// `consumerProperties`, are passed to librdkafka unchanged and override them
/// (see librdkafka's CONFIGURATION.md for names).
public struct KafkaLogConfiguration: Sendable {
    /// `host:port[,host:port…]`.
    public var bootstrapServers: String
    /// Any librdkafka property, applied to the producer and every consumer; overrides Keel's defaults.
    public var properties: [String: String]
    /// librdkafka properties for the producer only (applied after `properties`).
    public var producerProperties: [String: String]
    /// librdkafka properties for consumers only (applied after `properties`), e.g. `session.timeout.ms`.
    public var consumerProperties: [String: String]
    /// How long `KafkaEventLog.init` waits for the cluster's metadata before failing with `.unreachable`.
    public var connectTimeout: Duration
    /// How long a record may wait for acknowledgement before it is reported failed (`message.timeout.ms`).
    public var deliveryTimeout: Duration
    /// Bound of admin, metadata, commit and offset requests.
    public var requestTimeout: Duration
    /// `compression.codec`: `none`, `gzip`, `snappy`, `lz4`, `zstd`.
    public var compression: String
    /// `linger.ms`: how long the producer waits to fill a batch.
    public var lingerMs: Int
    /// `batch.size`: the upper bound of one produce batch in bytes.
    public var batchSizeBytes: Int
    /// `batch.num.messages`: the upper bound of one produce batch in records.
    public var batchMaxRecords: Int
    /// `client.id` prefix of the clients this log creates.
    public var clientID: String
    /// The largest record the producer sends (`message.max.bytes`; librdkafka's own default of
    /// 1 MB refuses larger records before they reach the broker). The topic's
    /// `max.message.bytes` must allow it too on a real Kafka cluster.
    public var maxRecordBytes: Int

    public init(bootstrapServers: String) {
        self.bootstrapServers = bootstrapServers
        self.properties = [:]
        self.producerProperties = [:]
        self.consumerProperties = [:]
        self.connectTimeout = .seconds(10)
        self.deliveryTimeout = .seconds(30)
        self.requestTimeout = .seconds(30)
        self.compression = "lz4"
        self.lingerMs = 5
        self.batchSizeBytes = 1_000_000
        self.batchMaxRecords = 10_000
        self.clientID = "keel"
        self.maxRecordBytes = 16 << 20
    }

    /// The producer's librdkafka properties, Keel defaults overridden by the user's.
    var producerDefaults: [String: String] {
        [
            "bootstrap.servers": bootstrapServers,
            "client.id": clientID,
            "enable.idempotence": "true",
            "acks": "all",
            "partitioner": "murmur2_random",
            "compression.codec": compression,
            "linger.ms": String(lingerMs),
            "batch.size": String(batchSizeBytes),
            "batch.num.messages": String(batchMaxRecords),
            "message.timeout.ms": String(RDKafka.milliseconds(deliveryTimeout)),
            // Room for the record batch framing around the largest record.
            "message.max.bytes": String(max(maxRecordBytes + 64 * 1024, batchSizeBytes)),
            "socket.connection.setup.timeout.ms": String(max(1000, RDKafka.milliseconds(connectTimeout))),
        ]
    }

    /// Consumer defaults. `session.timeout.ms=6000` / `heartbeat.interval.ms=1000`: the lowest session timeout
    /// a stock Kafka broker accepts (group.min.session.timeout.ms), so a dead member's partitions move in
    /// seconds — and tansu, which delays every join by session.timeout/2, rebalances in ~3 s.
    func consumerDefaults(groupID: String?, autoOffsetReset: String) -> [String: String] {
        var p: [String: String] = [
            "bootstrap.servers": bootstrapServers,
            "client.id": clientID,
            "enable.auto.commit": "false",
            "enable.auto.offset.store": "false",
            "partition.assignment.strategy": "cooperative-sticky",
            "session.timeout.ms": "6000",
            "heartbeat.interval.ms": "1000",
            "auto.offset.reset": autoOffsetReset,
            "enable.partition.eof": "false",
            "allow.auto.create.topics": "false",
            "socket.connection.setup.timeout.ms": String(max(1000, RDKafka.milliseconds(connectTimeout))),
        ]
        if let groupID { p["group.id"] = groupID }
        return p
    }
}
