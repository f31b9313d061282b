import CRdKafka
import KeelLog

extension RDKafka {
    static func name(_ err: rd_kafka_resp_err_t) -> String { String(cString: rd_kafka_err2name(err)) }
    static func reason(_ err: rd_kafka_resp_err_t) -> String { String(cString: rd_kafka_err2str(err)) }

    static func code(for err: rd_kafka_resp_err_t) -> EventLogError.Code {
        switch err {
        case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
            return .unknownTopic
        case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
            return .unknownPartition
        case RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__RESOLVE,
            RD_KAFKA_RESP_ERR__AUTHENTICATION, RD_KAFKA_RESP_ERR__SSL:
            return .unreachable
        case RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
            RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
            return .timedOut
        case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE,
            RD_KAFKA_RESP_ERR_INVALID_CONFIG, RD_KAFKA_RESP_ERR__INVALID_ARG, RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION,
            RD_KAFKA_RESP_ERR_INVALID_PARTITIONS, RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR,
            RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE, RD_KAFKA_RESP_ERR_INVALID_RECORD,
            RD_KAFKA_RESP_ERR_POLICY_VIOLATION, RD_KAFKA_RESP_ERR_INVALID_REQUEST,
            RD_KAFKA_RESP_ERR_INVALID_TIMESTAMP, RD_KAFKA_RESP_ERR__INVALID_TYPE, RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE:
            return .invalidArgument
        case RD_KAFKA_RESP_ERR__DESTROY, RD_KAFKA_RESP_ERR__PURGE_QUEUE, RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
            return .closed
        default:
            return .internalError
        }
    }

    /// `context: NAME (reason)` — the C error name and librdkafka's string, for people and for grep.
    static func error(_ err: rd_kafka_resp_err_t, _ context: String, detail: String? = nil) -> EventLogError {
        let reason = detail ?? self.reason(err)
        return EventLogError(code(for: err), "\(context): \(name(err)) (\(reason))")
    }

    /// Maps and destroys an `rd_kafka_error_t`.
    static func error(consuming error: OpaquePointer, _ context: String) -> EventLogError {
        defer { rd_kafka_error_destroy(error) }
        let err = rd_kafka_error_code(error)
        let detail = rd_kafka_error_string(error).map { String(cString: $0) }
        return self.error(err, context, detail: detail)
    }
}

/// A librdkafka response code that is not "no error": how code outside this folder holds one without
/// naming `rd_kafka_resp_err_t`, to test what it is and to turn it into an `EventLogError`.
/// A value: safe on any thread.
struct RDKafkaError: Sendable, Equatable {
    let code: rd_kafka_resp_err_t

    init(_ code: rd_kafka_resp_err_t) { self.code = code }

    /// nil for `RD_KAFKA_RESP_ERR_NO_ERROR`.
    init?(ifFailed code: rd_kafka_resp_err_t) {
        guard code != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        self.code = code
    }

    var name: String { RDKafka.name(code) }
    var reason: String { RDKafka.reason(code) }

    /// librdkafka refuses some calls on a partition in a transitional state (a seek right after an assignment).
    var isInvalidState: Bool { code == RD_KAFKA_RESP_ERR__STATE }

    /// The end of a partition was reached: information, not a failure.
    var isPartitionEOF: Bool { code == RD_KAFKA_RESP_ERR__PARTITION_EOF }

    func eventLogError(_ context: String, detail: String? = nil) -> EventLogError {
        RDKafka.error(code, context, detail: detail)
    }
}
