import CRdKafka
import KeelLog

/// The consumer calls on an `rd_kafka_t` created as a consumer: a view, not an owner (the
/// `RDKafkaClient` owns the handle; the rebalance callback makes one of the handle librdkafka passes it).
///
/// Threads: librdkafka's consumer calls are thread-safe; the ones marked "blocks" wait for the
/// broker and must run off the cooperative pool. Assignment changes are made from the thread that
/// polls (inside the rebalance callback, or between polls), as librdkafka expects.
struct RDKafkaConsumer {
    let handle: OpaquePointer
    let context: RDClientContext

    /// Whether the group uses the incremental (cooperative) rebalance protocol.
    var isCooperative: Bool { String(cString: rd_kafka_rebalance_protocol(handle)) == "COOPERATIVE" }

    /// Whether the group took the assignment away (session lost) rather than revoking it.
    var assignmentLost: Bool { rd_kafka_assignment_lost(handle) != 0 }

    /// Subscribes to whole topics and routes the main queue to the consumer queue.
    func subscribe(_ topics: [String]) throws {
        let list = RDKafkaTopicPartitionList(capacity: topics.count)
        for topic in topics { list.add(topic: topic) }
        let err = rd_kafka_subscribe(handle, list.list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw RDKafka.error(err, "subscribe to \(topics)") }
        routeMainQueueToConsumer()
    }

    /// Makes `rd_kafka_consumer_poll` serve logs, errors and rebalances too (one queue to poll).
    func routeMainQueueToConsumer() {
        _ = rd_kafka_poll_set_consumer(handle)
    }

    /// Replaces the whole assignment (eager protocol, or explicit partitions).
    func assign(_ list: RDKafkaTopicPartitionList) throws {
        let err = rd_kafka_assign(handle, list.list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw RDKafka.error(err, "assign \(list.partitions)") }
    }

    func unassignAll() {
        _ = rd_kafka_assign(handle, nil)
    }

    func incrementalAssign(_ list: RDKafkaTopicPartitionList) -> EventLogError? {
        rd_kafka_incremental_assign(handle, list.list).map { RDKafka.error(consuming: $0, "incremental assign") }
    }

    func incrementalUnassign(_ list: RDKafkaTopicPartitionList) -> EventLogError? {
        rd_kafka_incremental_unassign(handle, list.list).map { RDKafka.error(consuming: $0, "incremental unassign") }
    }

    /// Commits `list`'s offsets synchronously (blocks). Per-partition errors stay in the list.
    func commit(_ list: RDKafkaTopicPartitionList) throws {
        let err = rd_kafka_commit(handle, list.list, 0)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw RDKafka.error(err, "commit", detail: context.lastError.withLock { $0 }) }
    }

    /// Sets `list`'s offsets to the group's committed ones (blocks up to `timeoutMs`). Per-partition
    /// errors stay in the list.
    func committed(_ list: RDKafkaTopicPartitionList, timeoutMs: Int32) throws {
        let err = rd_kafka_committed(handle, list.list, timeoutMs)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw RDKafka.error(err, "committed offsets", detail: context.lastError.withLock { $0 })
        }
    }

    /// Seeks each partition of `list` to its offset (blocks up to `timeoutMs`). Per-partition
    /// refusals stay in the list; `what` names the request in a thrown error.
    func seek(_ list: RDKafkaTopicPartitionList, timeoutMs: Int32, what: String) throws {
        if let error = rd_kafka_seek_partitions(handle, list.list, timeoutMs) {
            throw RDKafka.error(consuming: error, what)
        }
    }

    /// The current assignment, in librdkafka's order.
    func assignment() throws -> [TopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        let err = rd_kafka_assignment(handle, &list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw RDKafka.error(err, "assignment") }
        guard let list else { return [] }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        return RDKafkaTopicPartitionList(borrowing: list).partitions
    }

    /// The client's fatal error, if it has one (the consumer cannot go on).
    func fatalError() -> EventLogError? {
        var errstr = [CChar](repeating: 0, count: 512)
        let fatal = rd_kafka_fatal_error(handle, &errstr, errstr.count)
        guard fatal != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return RDKafka.error(fatal, "Kafka consumer failed", detail: RDKafka.string(errstr))
    }

    /// Leaves the group (revoking through the rebalance callback) and stops fetching. Blocks.
    func close() -> RDKafkaError? {
        RDKafkaError(ifFailed: rd_kafka_consumer_close(handle))
    }
}
