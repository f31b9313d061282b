import KeelCore

/// What a topic should look like: the input of `EventLog.createTopic`.
///
/// `config` holds Kafka topic configs by their Kafka names (`cleanup.policy`, `retention.ms`,
/// `segment.bytes`, …). The embedded log honours `cleanup.policy` and `retention.ms` /
/// `retention.bytes`, and stores the rest so that `describeTopic` reports them back.
public struct TopicSpec: Sendable, Hashable {
    public var name: String
    public var partitions: Int32
    public var replicationFactor: Int16
    public var config: [String: String]

    public init(name: String, partitions: Int32, replicationFactor: Int16 = 1, config: [String: String] = [:]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.config = config
    }

    /// The topic a catalog entry defines: its partitions, replication factor (unless overridden,
    /// as production clusters do) and Kafka configs.
    public init(_ definition: TopicDefinition, replicationFactor: Int16? = nil) {
        self.init(
            name: definition.name, partitions: definition.partitions,
            replicationFactor: replicationFactor ?? definition.replicationFactor, config: definition.kafkaConfig)
    }
}

/// A topic as the log reports it.
public struct TopicDescription: Sendable, Hashable {
    public var name: String
    public var partitions: Int32
    public var replicationFactor: Int16
    /// The topic's effective configs as the log reports them: every config set on the topic,
    /// and, where the log reports them (Kafka), broker defaults too. Compare the keys you care
    /// about; don't expect the set of keys to be the same on every log.
    public var config: [String: String]

    public init(name: String, partitions: Int32, replicationFactor: Int16, config: [String: String]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.config = config
    }
}
