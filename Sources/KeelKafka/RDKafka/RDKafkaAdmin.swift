import CRdKafka
import KeelLog

/// Admin requests (create and delete topics, describe configs) on a client's handle. Every call
/// blocks until the broker answers or `timeoutMs` (plus a margin) passes: run them off the
/// cooperative pool. Thread-safe: each request has its own result queue.
struct RDKafkaAdmin {
    let client: RDKafkaClient

    /// true: created; false: it already existed.
    func createTopic(_ spec: TopicSpec, timeoutMs: Int32) throws -> Bool {
        var errstr = [CChar](repeating: 0, count: 512)
        guard let newTopic = rd_kafka_NewTopic_new(spec.name, spec.partitions, Int32(spec.replicationFactor), &errstr, errstr.count) else {
            throw EventLogError(.invalidArgument, "cannot create topic \(spec.name): \(RDKafka.string(errstr))")
        }
        defer { rd_kafka_NewTopic_destroy(newTopic) }
        for (key, value) in spec.config.sorted(by: { $0.key < $1.key }) {
            let err = rd_kafka_NewTopic_set_config(newTopic, key, value)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw RDKafka.error(err, "topic config \(key)=\(value)") }
        }
        let event = try request(RD_KAFKA_ADMIN_OP_CREATETOPICS, timeoutMs: timeoutMs, what: "create topic \(spec.name)") { rk, options, queue in
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

    /// true: deleted; false: the broker does not know it (or gave no answer for it).
    func deleteTopic(_ name: String, timeoutMs: Int32) throws -> Bool {
        guard let deleteTopic = rd_kafka_DeleteTopic_new(name) else { return false }
        defer { rd_kafka_DeleteTopic_destroy(deleteTopic) }
        let event = try request(RD_KAFKA_ADMIN_OP_DELETETOPICS, timeoutMs: timeoutMs, what: "delete topic \(name)") { rk, options, queue in
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

    /// The topic's effective configs via DescribeConfigs, whatever their source; sensitive ones are left out.
    ///
    /// Effective values, not only `DYNAMIC_TOPIC_CONFIG` ones: drift is about what the broker
    /// does, and some Kafka-protocol brokers (tansu) label configs set at creation as defaults.
    func topicConfigs(_ topic: String, timeoutMs: Int32) throws -> [String: String] {
        guard let resource = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic) else { return [:] }
        defer { rd_kafka_ConfigResource_destroy(resource) }
        let event = try request(RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeoutMs: timeoutMs, what: "describe configs of \(topic)") { rk, options, queue in
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

    /// Runs one admin request and waits for its result event (bounded by `timeoutMs` plus a margin).
    private func request(
        _ op: rd_kafka_admin_op_t,
        timeoutMs: Int32,
        what: String,
        _ start: (OpaquePointer, OpaquePointer?, OpaquePointer) -> Void
    ) throws -> RDEvent {
        let handle = client.handle
        guard let queue = rd_kafka_queue_new(handle) else { throw EventLogError(.internalError, "\(what): no queue") }
        defer { rd_kafka_queue_destroy(queue) }
        let options = rd_kafka_AdminOptions_new(handle, op)
        defer { if let options { rd_kafka_AdminOptions_destroy(options) } }
        if let options {
            var errstr = [CChar](repeating: 0, count: 256)
            _ = rd_kafka_AdminOptions_set_request_timeout(options, timeoutMs, &errstr, errstr.count)
            _ = rd_kafka_AdminOptions_set_operation_timeout(options, timeoutMs, &errstr, errstr.count)
        }
        start(handle, options, queue)
        guard let event = rd_kafka_queue_poll(queue, timeoutMs + 2000) else {
            throw EventLogError(.timedOut, "\(what): no answer from Kafka within \(timeoutMs) ms")
        }
        let rdEvent = RDEvent(event)
        let err = rd_kafka_event_error(event)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            let detail = rd_kafka_event_error_string(event).map { String(cString: $0) }
            throw RDKafka.error(err, what, detail: detail)
        }
        return rdEvent
    }
}

/// Owns an `rd_kafka_event_t`.
private final class RDEvent {
    let handle: OpaquePointer
    init(_ handle: OpaquePointer) { self.handle = handle }
    deinit { rd_kafka_event_destroy(handle) }
}
