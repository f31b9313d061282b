import CRdKafka
import KeelCore
import KeelLog
import Logging
import Synchronization

/// The `EventLog` port over Kafka, through librdkafka.
///
/// One idempotent producer (`acks=all`, `murmur2_random` partitioner, so keys land where Java clients and the
/// embedded log put them) serves every `produce`; each consumer gets its own client. See docs/kafka.md.
public final class KafkaEventLog: EventLog {
    public let description: String
    let configuration: KafkaLogConfiguration
    let logger: Logger
    let producer: RDKafkaClient
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
        rd_kafka_conf_set_dr_msg_cb(config.handle, rdDeliveryReportCallback)
        let producer = try RDKafkaClient(kind: .producer, config: config, context: RDClientContext(logger: logger))
        self.producer = producer
        self.pollThread = RDPollThread(client: producer, name: "keel-kafka-producer-poll")

        let timeoutMs = RDKafka.milliseconds(configuration.connectTimeout)
        let servers = configuration.bootstrapServers
        let timeoutText = RDKafka.format(configuration.connectTimeout)
        do {
            let topics = try await RDBlocking.run { try producer.allTopics(timeoutMs: timeoutMs) }
            logger.debug("connected to Kafka at \(servers) (librdkafka \(RDKafka.runtimeVersion), \(topics.count) topics)")
        } catch let error as EventLogError {
            let reason = producer.lastErrorText ?? error.message
            await closeProducer(flushMs: 0)
            throw EventLogError(.unreachable, "could not reach Kafka at \(servers) within \(timeoutText): \(reason)")
        }
    }

    deinit {
        // A log dropped without shutdown(): stop the thread and free the handle (no flush).
        if !shutdownDone.withLock({ $0 }) {
            pollThread.stop()
            state.withLock { s in
                for entry in s.topics.values { rd_kafka_topic_destroy(entry.handle.pointer) }
                for handle in s.retiredHandles { rd_kafka_topic_destroy(handle.pointer) }
            }
            producer.destroy()
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
            if let error = enqueue(records[index], index: index, batch: batch, topic: entry.handle.pointer) {
                let code = rd_kafka_error_code(error)
                if code == RD_KAFKA_RESP_ERR__QUEUE_FULL {
                    // Backpressure: librdkafka's queue is full; wait for delivery reports to drain it.
                    rd_kafka_error_destroy(error)
                    batch.refusedForRetry()
                    endEnqueue()
                    await Self.pause()
                    if Task.isCancelled {
                        stopReason = EventLogError(.internalError, "produce to \(topic) cancelled before the record was sent")
                    }
                    do { try beginEnqueue() } catch let e as EventLogError { stopReason = e; try? beginEnqueue() }
                    continue
                }
                batch.refused(index, RDKafka.error(consuming: error, "record \(index) to \(topic) refused"))
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

    /// Hands one record to librdkafka (copying key, value and headers). Returns the error librdkafka reported.
    private func enqueue(_ record: OutgoingRecord, index: Int, batch: RDProduceBatch, topic: OpaquePointer) -> OpaquePointer? {
        var vus = [rd_kafka_vu_t](repeating: rd_kafka_vu_t(), count: 8)
        var n = 0
        vus[n].vtype = RD_KAFKA_VTYPE_RKT; vus[n].u.rkt = topic; n += 1
        vus[n].vtype = RD_KAFKA_VTYPE_MSGFLAGS; vus[n].u.i = RD_KAFKA_MSG_F_COPY; n += 1
        vus[n].vtype = RD_KAFKA_VTYPE_OPAQUE; vus[n].u.ptr = batch.opaque(for: index); n += 1
        if let partition = record.partition {
            vus[n].vtype = RD_KAFKA_VTYPE_PARTITION; vus[n].u.i32 = partition; n += 1
        }
        if let timestamp = record.timestampMs {
            vus[n].vtype = RD_KAFKA_VTYPE_TIMESTAMP; vus[n].u.i64 = timestamp; n += 1
        }
        let headers = RDKafkaHeaders.make(record.headers)
        if let headers {
            vus[n].vtype = RD_KAFKA_VTYPE_HEADERS; vus[n].u.headers = headers; n += 1
        }
        let count = n
        let error: OpaquePointer? = Self.withOptionalBytes(record.key) { keyPtr, keyLen in
            Self.withOptionalBytes(record.value) { valuePtr, valueLen in
                var m = count
                if let keyPtr {
                    vus[m].vtype = RD_KAFKA_VTYPE_KEY; vus[m].u.mem.ptr = keyPtr; vus[m].u.mem.size = keyLen; m += 1
                }
                if let valuePtr {
                    vus[m].vtype = RD_KAFKA_VTYPE_VALUE; vus[m].u.mem.ptr = valuePtr; vus[m].u.mem.size = valueLen; m += 1
                }
                return rd_kafka_produceva(producer.handle, vus, m)
            }
        }
        if error != nil, let headers { rd_kafka_headers_destroy(headers) }  // on success librdkafka owns them
        return error
    }

    @inline(__always)
    private static func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeMutableRawPointer?, Int) -> R) -> R {
        guard let bytes else { return body(nil, 0) }
        return bytes.withUnsafeBytes { buffer in
            // RD_KAFKA_MSG_F_COPY: librdkafka copies before produceva returns and never writes through it.
            body(UnsafeMutableRawPointer(mutating: buffer.baseAddress) ?? RDKafkaHeaders.emptyBytes, buffer.count)
        }
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
        let producer = self.producer
        let timeoutMs = RDKafka.milliseconds(configuration.requestTimeout)
        let topics = try await RDBlocking.run { try producer.allTopics(timeoutMs: timeoutMs) }
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
            guard let rkt = rd_kafka_topic_new(producer.handle, topic, nil) else {
                throw EventLogError(.invalidArgument, "invalid topic name \(topic)")
            }
            let entry = TopicEntry(partitions: metadata.partitions, handle: RDTopicHandle(pointer: rkt))
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
        let producer = self.producer
        let timeoutMs = RDKafka.milliseconds(configuration.requestTimeout)
        let created = try await RDBlocking.run { () throws -> Bool in
            var errstr = [CChar](repeating: 0, count: 512)
            guard let newTopic = rd_kafka_NewTopic_new(spec.name, spec.partitions, Int32(spec.replicationFactor), &errstr, errstr.count) else {
                throw EventLogError(.invalidArgument, "cannot create topic \(spec.name): \(RDKafka.string(errstr))")
            }
            defer { rd_kafka_NewTopic_destroy(newTopic) }
            for (key, value) in spec.config.sorted(by: { $0.key < $1.key }) {
                let err = rd_kafka_NewTopic_set_config(newTopic, key, value)
                if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw RDKafka.error(err, "topic config \(key)=\(value)") }
            }
            let event = try producer.admin(RD_KAFKA_ADMIN_OP_CREATETOPICS, timeoutMs: timeoutMs, what: "create topic \(spec.name)") { rk, options, queue in
                var topics: [OpaquePointer?] = [newTopic]
                rd_kafka_CreateTopics(rk, &topics, 1, options, queue)
            }
            guard let result = rd_kafka_event_CreateTopics_result(event.handle) else {
                throw EventLogError(.internalError, "create topic \(spec.name): unexpected answer")
            }
            var count = 0
            guard let results = rd_kafka_CreateTopics_result_topics(result, &count), count > 0, let first = results[0] else {
                throw EventLogError(.internalError, "create topic \(spec.name): empty answer")
            }
            let err = rd_kafka_topic_result_error(first)
            switch err {
            case RD_KAFKA_RESP_ERR_NO_ERROR: return true
            case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS: return false
            default:
                let detail = rd_kafka_topic_result_error_string(first).map { String(cString: $0) }
                throw RDKafka.error(err, "create topic \(spec.name)", detail: detail)
            }
        }
        if created { logger.debug("created topic \(spec.name) with \(spec.partitions) partitions") }
        return created
    }

    public func describeTopic(_ name: String) async throws -> TopicDescription? {
        try checkOpen()
        let producer = self.producer
        let timeoutMs = RDKafka.milliseconds(configuration.requestTimeout)
        let logger = self.logger
        return try await RDBlocking.run { () throws -> TopicDescription? in
            guard let metadata = try producer.allTopics(timeoutMs: timeoutMs)[name] else { return nil }
            var config: [String: String] = [:]
            do {
                config = try Self.topicConfigs(producer, topic: name, timeoutMs: timeoutMs)
            } catch {
                // Brokers without DescribeConfigs (or refusing it) still describe partitions; configs stay empty.
                logger.debug("describeConfigs for \(name) failed, reporting no configs: \(error)")
            }
            return TopicDescription(name: name, partitions: metadata.partitions, replicationFactor: metadata.replicationFactor, config: config)
        }
    }

    /// The topic's effective configs via DescribeConfigs, whatever their source.
    ///
    /// Effective values, not only `DYNAMIC_TOPIC_CONFIG` ones: drift is about what the broker
    /// does, and some Kafka-protocol brokers (tansu) label configs set at creation as defaults.
    static func topicConfigs(_ client: RDKafkaClient, topic: String, timeoutMs: Int32) throws -> [String: String] {
        guard let resource = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic) else { return [:] }
        defer { rd_kafka_ConfigResource_destroy(resource) }
        let event = try client.admin(RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeoutMs: timeoutMs, what: "describe configs of \(topic)") { rk, options, queue in
            var resources: [OpaquePointer?] = [resource]
            rd_kafka_DescribeConfigs(rk, &resources, 1, options, queue)
        }
        guard let result = rd_kafka_event_DescribeConfigs_result(event.handle) else { return [:] }
        var count = 0
        guard let resources = rd_kafka_DescribeConfigs_result_resources(result, &count), count > 0, let first = resources[0] else { return [:] }
        let err = rd_kafka_ConfigResource_error(first)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw RDKafka.error(err, "describe configs of \(topic)") }
        var entryCount = 0
        guard let entries = rd_kafka_ConfigResource_configs(first, &entryCount) else { return [:] }
        var config: [String: String] = [:]
        for i in 0..<entryCount {
            guard let entry = entries[i] else { continue }
            guard rd_kafka_ConfigEntry_is_sensitive(entry) == 0 else { continue }
            guard let name = rd_kafka_ConfigEntry_name(entry) else { continue }
            config[String(cString: name)] = rd_kafka_ConfigEntry_value(entry).map { String(cString: $0) } ?? ""
        }
        return config
    }

    public func listTopics() async throws -> [String] {
        try checkOpen()
        let producer = self.producer
        let timeoutMs = RDKafka.milliseconds(configuration.requestTimeout)
        let topics = try await RDBlocking.run { try producer.allTopics(timeoutMs: timeoutMs) }
        return topics.keys.filter { !$0.hasPrefix("__") }.sorted()
    }

    public func deleteTopic(_ name: String) async throws -> Bool {
        try checkOpen()
        state.withLock { s in
            if let entry = s.topics.removeValue(forKey: name) { s.retiredHandles.append(entry.handle) }
        }
        let producer = self.producer
        let timeoutMs = RDKafka.milliseconds(configuration.requestTimeout)
        return try await RDBlocking.run { () throws -> Bool in
            // DeleteTopics on a missing topic: some brokers answer UNKNOWN_TOPIC_OR_PART, check first anyway.
            guard try producer.allTopics(timeoutMs: timeoutMs)[name] != nil else { return false }
            guard let deleteTopic = rd_kafka_DeleteTopic_new(name) else { return false }
            defer { rd_kafka_DeleteTopic_destroy(deleteTopic) }
            let event = try producer.admin(RD_KAFKA_ADMIN_OP_DELETETOPICS, timeoutMs: timeoutMs, what: "delete topic \(name)") { rk, options, queue in
                var topics: [OpaquePointer?] = [deleteTopic]
                rd_kafka_DeleteTopics(rk, &topics, 1, options, queue)
            }
            guard let result = rd_kafka_event_DeleteTopics_result(event.handle) else { return false }
            var count = 0
            guard let results = rd_kafka_DeleteTopics_result_topics(result, &count), count > 0, let first = results[0] else { return false }
            let err = rd_kafka_topic_result_error(first)
            switch err {
            case RD_KAFKA_RESP_ERR_NO_ERROR: return true
            case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART: return false
            default:
                let detail = rd_kafka_topic_result_error_string(first).map { String(cString: $0) }
                throw RDKafka.error(err, "delete topic \(name)", detail: detail)
            }
        }
    }

    public func offsets(topic: String, atTimestampMs timestampMs: Int64) async throws -> [Int32: Int64] {
        try checkOpen()
        let entry = try await topicEntry(topic, refresh: true)
        let producer = self.producer
        let timeoutMs = RDKafka.milliseconds(configuration.requestTimeout)
        return try await RDBlocking.run {
            try RDOffsets.forTimestamp(producer, topic: topic, partitions: entry.partitions, timestampMs: timestampMs, timeoutMs: timeoutMs)
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
            do { try await consumer.close() } catch { logger.warning("closing a Kafka consumer failed: \(error)") }
        }
        await closeProducer(flushMs: RDKafka.milliseconds(min(configuration.deliveryTimeout, .seconds(30))))
    }

    /// Flush (bounded), fail whatever is left, stop the poll thread, destroy. Once.
    private func closeProducer(flushMs: Int32) async {
        guard shutdownDone.withLock({ done in defer { done = true }; return !done }) else { return }
        let producer = self.producer
        let pollThread = self.pollThread
        let handles = state.withLock { s -> [RDTopicHandle] in
            s.closed = true
            let all = s.topics.values.map(\.handle) + s.retiredHandles
            s.topics = [:]
            s.retiredHandles = []
            return all
        }
        let logger = self.logger
        _ = try? await RDBlocking.run {
            let rk = producer.handle
            if flushMs > 0, rd_kafka_flush(rk, flushMs) != RD_KAFKA_RESP_ERR_NO_ERROR {
                logger.warning("Kafka producer: \(rd_kafka_outq_len(rk)) records not acknowledged within \(flushMs) ms of shutdown; failing them")
            }
            // Whatever is still queued or in flight fails now (its produce() call gets a ProduceFailure).
            _ = rd_kafka_purge(rk, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
            _ = rd_kafka_flush(rk, 1000)
            pollThread.stop()
            _ = rd_kafka_poll(rk, 0)
            for handle in handles { rd_kafka_topic_destroy(handle.pointer) }
            producer.destroy()
        }
    }
}

/// A producer topic handle (`rd_kafka_topic_t`).
///
/// `@unchecked Sendable`: librdkafka topic handles are reference counted and thread-safe; Keel destroys them
/// only in shutdown, after every produce call has finished handing records over.
struct RDTopicHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}

extension RDProduceBatch {
    /// A record refused with QUEUE_FULL that will be retried: undo `willEnqueue` without failing it.
    func refusedForRetry() { state.withLock { $0.outstanding -= 1 } }
}

/// Offset lookups shared by the log and its consumers.
enum RDOffsets {
    static func forTimestamp(_ client: RDKafkaClient, topic: String, partitions: Int32, timestampMs: Int64, timeoutMs: Int32) throws -> [Int32: Int64] {
        let tps = (0..<partitions).map { TopicPartition(topic, $0) }
        let resolved = try forTimestamp(client, tps, timestampMs: timestampMs, timeoutMs: timeoutMs)
        var result: [Int32: Int64] = [:]
        for (tp, offset) in resolved { result[tp.partition] = offset }
        return result
    }

    /// Per partition: the first offset at or after `timestampMs`, or the end offset when there is none.
    static func forTimestamp(_ client: RDKafkaClient, _ partitions: [TopicPartition], timestampMs: Int64, timeoutMs: Int32) throws -> [TopicPartition: Int64] {
        guard !partitions.isEmpty else { return [:] }
        let list = RDKafkaTopicPartitionList(partitions, offset: timestampMs)
        let err = rd_kafka_offsets_for_times(client.handle, list.list, timeoutMs)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw RDKafka.error(err, "offsets for time \(timestampMs)", detail: client.lastErrorText) }
        if let error = list.firstError("offsets for time \(timestampMs) of") { throw error }
        var result: [TopicPartition: Int64] = [:]
        for element in list.elements {
            if element.offset >= 0 {
                result[element.topicPartition] = element.offset
            } else {
                result[element.topicPartition] = try endOffset(client, element.topicPartition, timeoutMs: timeoutMs)
            }
        }
        return result
    }

    static func endOffset(_ client: RDKafkaClient, _ tp: TopicPartition, timeoutMs: Int32) throws -> Int64 {
        var low: Int64 = 0
        var high: Int64 = 0
        let err = rd_kafka_query_watermark_offsets(client.handle, tp.topic, tp.partition, &low, &high, timeoutMs)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw RDKafka.error(err, "end offset of \(tp)", detail: client.lastErrorText) }
        return high
    }
}
