import KeelCore
import KeelLog
import Logging
import Synchronization

/// The `EventLog` port over Kafka, through librdkafka.
///
/// One idempotent producer (`acks=all`, `murmur2_random` partitioner, so keys land where Java clients and the
/// embedded log put them) serves every `produce`; each consumer gets its own client. See docs/kafka.md.
/// librdkafka is reached only through the `RD…` types (RDKafka/).
public final class KafkaEventLog: EventLog {
    public let description: String
    let configuration: KafkaLogConfiguration
    let logger: Logger
    /// The producer, also used for metadata and admin requests.
    let client: RDKafkaClient
    let pollThread: RDPollThread

    /// A topic known to exist, with the producer's handle for it.
    struct TopicEntry {
        var partitions: Int32
        var handle: RDTopicHandle
    }

    struct State {
        var closed = false
        /// `produce` calls between their closed-check and the end of their hand-over to librdkafka.
        var enqueuing = 0
        var topics: [String: TopicEntry] = [:]
        /// Handles of topics deleted through this log, kept until shutdown (a produce may still hold them).
        var retiredHandles: [RDTopicHandle] = []
        var consumers: [ObjectIdentifier: WeakConsumer] = [:]
    }

    struct WeakConsumer {
        weak var consumer: KafkaConsumer?
    }

    let state = Mutex(State())
    private let shutdownDone = Mutex(false)

    /// Connects and verifies that the cluster answers a metadata request within `connectTimeout`.
    public init(configuration: KafkaLogConfiguration, logger: Logger) async throws {
        self.configuration = configuration
        self.logger = logger
        self.description = "kafka:\(configuration.bootstrapServers)"

        let config = RDKafkaConfig()
        try config.apply(configuration.producerDefaults)
        config.setIfSupported("allow.auto.create.topics", "false")
        try config.apply(configuration.properties)
        try config.apply(configuration.producerProperties)
        config.enableDeliveryReports()
        let client = try RDKafkaClient(kind: .producer, config: config, context: RDClientContext(logger: logger))
        self.client = client
        self.pollThread = RDPollThread(client: client, name: "keel-kafka-producer-poll")

        let timeoutMs = RDKafka.milliseconds(configuration.connectTimeout)
        let servers = configuration.bootstrapServers
        let timeoutText = RDKafka.format(configuration.connectTimeout)
        do {
            let topics = try await RDBlocking.shared.run { try client.allTopics(timeoutMs: timeoutMs) }
            logger.debug(
                "connected to Kafka",
                metadata: ["servers": "\(servers)", "librdkafka": "\(RDKafka.runtimeVersion)", "topics": "\(topics.count)"])
        } catch let error as EventLogError {
            let reason = client.lastErrorText ?? error.message
            await closeProducer(flushMs: 0)
            throw EventLogError(.unreachable, "could not reach Kafka at \(servers) within \(timeoutText): \(reason)")
        } catch {
            // Cancelled while waiting for a thread of the blocking executor.
            await closeProducer(flushMs: 0)
            throw error
        }
    }

    deinit {
        // A log dropped without shutdown(): stop the thread and free the handle (no flush).
        if !shutdownDone.withLock({ $0 }) {
            pollThread.stop()
            state.withLock { s in
                for entry in s.topics.values { entry.handle.destroy() }
                for handle in s.retiredHandles { handle.destroy() }
            }
            client.destroy()
        }
    }

    // MARK: Produce

    public func produce(_ records: [OutgoingRecord], to topic: String) async throws -> [RecordCoordinates] {
        try checkOpen()
        guard !records.isEmpty else { return [] }
        var entry = try await topicEntry(topic, refresh: false)
        if let bad = records.first(where: { $0.partition.map { $0 < 0 || $0 >= entry.partitions } ?? false }) {
            entry = try await topicEntry(topic, refresh: true)
            if let p = bad.partition, p < 0 || p >= entry.partitions {
                throw EventLogError(.unknownPartition, "partition \(p) does not exist in \(topic) (\(entry.partitions) partitions)")
            }
        }

        let batch = RDProduceBatch(topic: topic, count: records.count)
        try beginEnqueue()
        var index = 0
        var stopReason: EventLogError?
        while index < records.count {
            if let stopReason {
                batch.notEnqueued(index, stopReason)
                index += 1
                continue
            }
            batch.willEnqueue()
            switch client.producer.enqueue(records[index], index: index, of: batch, to: entry.handle) {
            case .enqueued:
                break
            case .queueFull:
                // Backpressure: librdkafka's queue is full; wait for delivery reports to drain it.
                batch.refusedForRetry()
                endEnqueue()
                await Self.pause()
                if Task.isCancelled {
                    stopReason = EventLogError(.internalError, "produce to \(topic) cancelled before the record was sent")
                }
                do { try beginEnqueue() } catch let e as EventLogError { stopReason = e; try? beginEnqueue() }
                continue
            case .refused(let error):
                batch.refused(index, error)
            }
            index += 1
        }
        endEnqueue()
        return try await batch.wait()
    }

    private static func pause() async {
        // Not Task.sleep's throwing form: a cancelled task must still wait for queue space or give up cleanly.
        try? await Task.sleep(for: .milliseconds(1))
    }

    private func checkOpen() throws {
        if state.withLock({ $0.closed }) { throw EventLogError(.closed, "\(description) is shut down") }
    }

    private func beginEnqueue() throws {
        try state.withLock { s in
            if s.closed { throw EventLogError(.closed, "\(description) is shut down") }
            s.enqueuing += 1
        }
    }

    private func endEnqueue() { state.withLock { $0.enqueuing -= 1 } }

    // MARK: Topic cache

    /// The topic's entry; `.unknownTopic` when the cluster does not have it. Checked with an all-topics metadata
    /// request: asking for a missing topic by name makes brokers with auto-creation (tansu) create it.
    func topicEntry(_ topic: String, refresh: Bool) async throws -> TopicEntry {
        if !refresh, let entry = state.withLock({ $0.topics[topic] }) { return entry }
        let client = self.client
        let timeoutMs = RDKafka.milliseconds(configuration.requestTimeout)
        let topics = try await RDBlocking.shared.run { try client.allTopics(timeoutMs: timeoutMs) }
        guard let metadata = topics[topic] else {
            state.withLock { _ = $0.topics.removeValue(forKey: topic).map { s in s } }
            throw EventLogError(.unknownTopic, "topic \(topic) does not exist on \(description)")
        }
        return try state.withLock { s in
            if s.closed { throw EventLogError(.closed, "\(description) is shut down") }
            if var existing = s.topics[topic] {
                existing.partitions = metadata.partitions
                s.topics[topic] = existing
                return existing
            }
            guard let handle = RDTopicHandle(client: client, topic: topic) else {
                throw EventLogError(.invalidArgument, "invalid topic name \(topic)")
            }
            let entry = TopicEntry(partitions: metadata.partitions, handle: handle)
            s.topics[topic] = entry
            return entry
        }
    }

    // MARK: Consumers

    public func makeConsumer(_ configuration: ConsumerConfiguration) async throws -> any EventConsumer {
        try checkOpen()
        let consumer = try KafkaConsumer(configuration: configuration, log: self.configuration, logger: logger)
        do {
            try await consumer.start()
        } catch {
            try? await consumer.close()
            throw error
        }
        state.withLock { s in
            s.consumers = s.consumers.filter { $0.value.consumer != nil }
            s.consumers[ObjectIdentifier(consumer)] = WeakConsumer(consumer: consumer)
        }
        return consumer
    }

    // MARK: Admin

    public func createTopic(_ spec: TopicSpec) async throws -> Bool {
        try checkOpen()
        let client = self.client
        let timeoutMs = RDKafka.milliseconds(configuration.requestTimeout)
        let created = try await RDBlocking.shared.run { try client.admin.createTopic(spec, timeoutMs: timeoutMs) }
        if created { logger.debug("created topic", metadata: ["topic": "\(spec.name)", "partitions": "\(spec.partitions)"]) }
        return created
    }

    public func describeTopic(_ name: String) async throws -> TopicDescription? {
        try checkOpen()
        let client = self.client
        let timeoutMs = RDKafka.milliseconds(configuration.requestTimeout)
        let logger = self.logger
        return try await RDBlocking.shared.run { () throws -> TopicDescription? in
            guard let metadata = try client.allTopics(timeoutMs: timeoutMs)[name] else { return nil }
            var config: [String: String] = [:]
            do {
                config = try client.admin.topicConfigs(name, timeoutMs: timeoutMs)
            } catch {
                // Brokers without DescribeConfigs (or refusing it) still describe partitions; configs stay empty.
                logger.debug("describeConfigs failed, reporting no configs", metadata: ["topic": "\(name)", "error": "\(error)"])
            }
            return TopicDescription(name: name, partitions: metadata.partitions, replicationFactor: metadata.replicationFactor, config: config)
        }
    }

    public func listTopics() async throws -> [String] {
        try checkOpen()
        let client = self.client
        let timeoutMs = RDKafka.milliseconds(configuration.requestTimeout)
        let topics = try await RDBlocking.shared.run { try client.allTopics(timeoutMs: timeoutMs) }
        return topics.keys.filter { !$0.hasPrefix("__") }.sorted()
    }

    public func deleteTopic(_ name: String) async throws -> Bool {
        try checkOpen()
        state.withLock { s in
            if let entry = s.topics.removeValue(forKey: name) { s.retiredHandles.append(entry.handle) }
        }
        let client = self.client
        let timeoutMs = RDKafka.milliseconds(configuration.requestTimeout)
        return try await RDBlocking.shared.run { () throws -> Bool in
            // DeleteTopics on a missing topic: some brokers answer UNKNOWN_TOPIC_OR_PART, check first anyway.
            guard try client.allTopics(timeoutMs: timeoutMs)[name] != nil else { return false }
            return try client.admin.deleteTopic(name, timeoutMs: timeoutMs)
        }
    }

    public func offsets(topic: String, atTimestampMs timestampMs: Int64) async throws -> [Int32: Int64] {
        try checkOpen()
        let entry = try await topicEntry(topic, refresh: true)
        let client = self.client
        let timeoutMs = RDKafka.milliseconds(configuration.requestTimeout)
        return try await RDBlocking.shared.run {
            try RDOffsets.forTimestamp(client, topic: topic, partitions: entry.partitions, timestampMs: timestampMs, timeoutMs: timeoutMs)
        }
    }

    // MARK: Shutdown

    public func shutdown() async throws {
        let first = state.withLock { s -> Bool in
            if s.closed { return false }
            s.closed = true
            return true
        }
        guard first else { return }
        // Wait for produce calls that are mid-hand-over (they only do non-blocking work).
        while state.withLock({ $0.enqueuing }) > 0 { await Self.pause() }
        let consumers = state.withLock { s in s.consumers.values.compactMap(\.consumer) }
        for consumer in consumers {
            do { try await consumer.close() } catch { logger.warning("closing a Kafka consumer failed", metadata: ["error": "\(error)"]) }
        }
        await closeProducer(flushMs: RDKafka.milliseconds(min(configuration.deliveryTimeout, .seconds(30))))
    }

    /// Flush (bounded), fail whatever is left, stop the poll thread, destroy. Once.
    private func closeProducer(flushMs: Int32) async {
        guard
            shutdownDone.withLock({ done in
                defer { done = true }; return !done
            })
        else { return }
        let client = self.client
        let pollThread = self.pollThread
        let handles = state.withLock { s -> [RDTopicHandle] in
            s.closed = true
            let all = s.topics.values.map(\.handle) + s.retiredHandles
            s.topics = [:]
            s.retiredHandles = []
            return all
        }
        let logger = self.logger
        // Not cancellable: the poll thread and the handle must go even when shutdown's task is cancelled.
        _ = try? await RDBlocking.shared.run(cancellable: false) {
            let rd = client.producer
            if flushMs > 0, !rd.flush(timeoutMs: flushMs) {
                logger.warning(
                    "Kafka producer: records not acknowledged within the shutdown flush; failing them",
                    metadata: ["outstanding": "\(rd.outstanding)", "flush_ms": "\(flushMs)"])
            }
            // Whatever is still queued or in flight fails now (its produce() call gets a ProduceFailure).
            rd.purgeAll()
            _ = rd.flush(timeoutMs: 1000)
            pollThread.stop()
            rd.serveCallbacks()
            for handle in handles { handle.destroy() }
            client.destroy()
        }
    }
}
