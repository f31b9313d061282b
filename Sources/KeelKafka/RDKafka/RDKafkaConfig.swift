import CRdKafka
import KeelLog

/// Owns an `rd_kafka_conf_t` until `rd_kafka_new` takes it. Not thread-safe: built and used by one
/// caller, before its client exists.
final class RDKafkaConfig {
    private(set) var handle: OpaquePointer?

    init() { handle = rd_kafka_conf_new() }
    deinit { if let handle { rd_kafka_conf_destroy(handle) } }

    func set(_ key: String, _ value: String) throws {
        var errstr = [CChar](repeating: 0, count: 512)
        let result = rd_kafka_conf_set(handle, key, value, &errstr, errstr.count)
        guard result == RD_KAFKA_CONF_OK else {
            throw EventLogError(.invalidArgument, "Kafka property \(key)=\(value) refused: \(RDKafka.string(errstr))")
        }
    }

    /// Sets a property only where this librdkafka knows it (older runtimes lack some).
    func setIfSupported(_ key: String, _ value: String) {
        var errstr = [CChar](repeating: 0, count: 512)
        _ = rd_kafka_conf_set(handle, key, value, &errstr, errstr.count)
    }

    func apply(_ properties: [String: String]) throws {
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) { try set(key, value) }
    }

    /// After an `rd_kafka_new` that took ownership.
    func release() { handle = nil }
}
