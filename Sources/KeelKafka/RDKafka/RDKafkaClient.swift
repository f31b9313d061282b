import CRdKafka
import KeelLog
import Logging
import Synchronization

/// Callbacks' way back to Swift: `rd_kafka_conf_set_opaque` points at this object (unretained; the
/// `RDKafkaClient` that owns it outlives the `rd_kafka_t`). Thread-safe: immutable but for the
/// last error text, which is in a `Mutex`.
final class RDClientContext: Sendable {
    /// Runs on the thread that polls the consumer, inside `rd_kafka_consumer_poll`/`rd_kafka_consumer_close`.
    typealias RebalanceHandler = @Sendable (RDRebalance) -> Void

    let logger: Logger
    let lastError = Mutex<String?>(nil)
    let rebalance: RebalanceHandler?

    init(logger: Logger, rebalance: RebalanceHandler? = nil) {
        self.logger = logger
        self.rebalance = rebalance
    }

    static func from(_ opaque: UnsafeMutableRawPointer?) -> RDClientContext? {
        guard let opaque else { return nil }
        return Unmanaged<RDClientContext>.fromOpaque(opaque).takeUnretainedValue()
    }
}

/// One consumer group rebalance, as librdkafka's rebalance callback reports it. Valid only during the
/// handler: `partitions` borrows librdkafka's list.
struct RDRebalance {
    enum Kind {
        case assign
        case revoke
        case failed(RDKafkaError)
    }

    let kind: Kind
    let partitions: RDKafkaTopicPartitionList
    /// The consumer being rebalanced: the handler (un)assigns through it.
    let consumer: RDKafkaConsumer
}

private let rdLogCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = {
    rk, level, facility, message in
    guard let rk, let context = RDClientContext.from(rd_kafka_opaque(rk)) else { return }
    let text = message.map { String(cString: $0) } ?? ""
    let fac = facility.map { String(cString: $0) } ?? ""
    let swiftLevel: Logger.Level
    switch level {
    case ...3: swiftLevel = .error
    case 4: swiftLevel = .warning
    case 5, 6: swiftLevel = .info
    default: swiftLevel = .debug
    }
    context.logger.log(level: swiftLevel, "librdkafka", metadata: ["facility": "\(fac)", "text": "\(text)"])
}

private let rdErrorCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = {
    _, err, reason, opaque in
    guard let context = RDClientContext.from(opaque) else { return }
    let text = reason.map { String(cString: $0) } ?? RDKafka.reason(rd_kafka_resp_err_t(err))
    context.lastError.withLock { $0 = text }
    context.logger.debug("librdkafka error", metadata: ["error": "\(RDKafka.name(rd_kafka_resp_err_t(err)))", "reason": "\(text)"])
}

private let rdRebalanceCallback:
    @convention(c) (
        OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, UnsafeMutableRawPointer?
    ) -> Void = { rk, err, partitions, opaque in
        guard let rk, let partitions, let context = RDClientContext.from(opaque), let handler = context.rebalance else {
            if let rk { _ = rd_kafka_assign(rk, nil) }
            return
        }
        let kind: RDRebalance.Kind
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS: kind = .assign
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS: kind = .revoke
        default: kind = .failed(RDKafkaError(err))
        }
        handler(
            RDRebalance(
                kind: kind,
                partitions: RDKafkaTopicPartitionList(borrowing: partitions),
                consumer: RDKafkaConsumer(handle: rk, context: context)
            ))
    }

/// One `rd_kafka_t`, producer or consumer; `producer`, `consumer` and `admin` are the calls for each use.
///
/// `@unchecked Sendable`: the handle is immutable and librdkafka's `rd_kafka_t` is thread-safe for every call
/// this layer makes; `destroy()` is called exactly once by the owner after all its users have stopped.
final class RDKafkaClient: @unchecked Sendable {
    enum Kind { case producer, consumer }

    let handle: OpaquePointer
    let context: RDClientContext
    private let destroyed = Atomic<Bool>(false)

    init(kind: Kind, config: RDKafkaConfig, context: RDClientContext) throws {
        guard let conf = config.handle else { throw EventLogError(.internalError, "Kafka configuration already used") }
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(context).toOpaque())
        rd_kafka_conf_set_log_cb(conf, rdLogCallback)
        rd_kafka_conf_set_error_cb(conf, rdErrorCallback)
        if context.rebalance != nil { rd_kafka_conf_set_rebalance_cb(conf, rdRebalanceCallback) }
        var errstr = [CChar](repeating: 0, count: 512)
        guard let rk = rd_kafka_new(kind == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER, conf, &errstr, errstr.count) else {
            throw EventLogError(.invalidArgument, "could not create Kafka client: \(RDKafka.string(errstr))")
        }
        config.release()  // rd_kafka_new owns it now
        self.handle = rk
        self.context = context
    }

    /// Destroys the handle once (later calls do nothing). Blocks (a consumer leaves its group).
    func destroy() {
        guard !destroyed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        rd_kafka_destroy(handle)
    }

    var isDestroyed: Bool { destroyed.load(ordering: .acquiring) }

    var lastErrorText: String? { context.lastError.withLock { $0 } }

    var producer: RDKafkaProducer { RDKafkaProducer(handle: handle) }
    var consumer: RDKafkaConsumer { RDKafkaConsumer(handle: handle, context: context) }
    var admin: RDKafkaAdmin { RDKafkaAdmin(client: self) }

    // MARK: Metadata

    struct TopicMetadata: Sendable {
        var partitions: Int32
        var replicationFactor: Int16
    }

    /// All topics (a request for *all* topics never auto-creates one, unlike a request naming a missing topic).
    /// Blocks up to `timeoutMs`.
    func allTopics(timeoutMs: Int32) throws -> [String: TopicMetadata] {
        var metadata: UnsafePointer<rd_kafka_metadata_t>?
        let err = rd_kafka_metadata(handle, 1, nil, &metadata, timeoutMs)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw RDKafka.error(err, "metadata request failed", detail: lastErrorText)
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        var result: [String: TopicMetadata] = [:]
        let md = metadata.pointee
        for i in 0..<Int(md.topic_cnt) {
            let topic = md.topics[i]
            guard topic.err == RD_KAFKA_RESP_ERR_NO_ERROR, let name = topic.topic else { continue }
            let rf = topic.partition_cnt > 0 ? Int16(clamping: topic.partitions[0].replica_cnt) : 0
            result[String(cString: name)] = TopicMetadata(partitions: topic.partition_cnt, replicationFactor: rf)
        }
        return result
    }
}
