import CRdKafka
import KeelLog

/// librdkafka's in-process mock cluster, for fast tests of this adapter (internal: reach it with
/// `@testable import KeelKafka`). Several clients share it through `bootstrapServers`.
///
/// `@unchecked Sendable`: the handles are only used in `init`, `createTopic` and `deinit`; the mock cluster is thread-safe.
final class RDMockCluster: @unchecked Sendable {
    private let owner: OpaquePointer
    private let cluster: OpaquePointer
    let bootstrapServers: String

    init(brokers: Int32 = 1) throws {
        let config = RDKafkaConfig()
        try config.set("log_level", "3")
        var errstr = [CChar](repeating: 0, count: 512)
        guard let conf = config.handle, let rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errstr, errstr.count) else {
            throw EventLogError(.internalError, "mock cluster: \(RDKafka.string(errstr))")
        }
        config.release()
        guard let cluster = rd_kafka_mock_cluster_new(rk, brokers) else {
            rd_kafka_destroy(rk)
            throw EventLogError(.internalError, "mock cluster could not be created")
        }
        self.owner = rk
        self.cluster = cluster
        self.bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    func createTopic(_ name: String, partitions: Int32) {
        _ = rd_kafka_mock_topic_create(cluster, name, partitions, 1)
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
        rd_kafka_destroy(owner)
    }
}
