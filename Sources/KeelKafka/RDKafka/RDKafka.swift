// The internal RD… layer: every call into librdkafka lives in this file and its siblings prefixed `RD`.
// Nothing here is public; KafkaEventLog / KafkaConsumer speak only Swift value types.
import CRdKafka
import Dispatch
import KeelCore
import KeelLog
import Logging
import Synchronization

// MARK: - Errors

enum RDKafka {
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

    static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        let ms = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return Int32(clamping: max(0, ms))
    }

    /// `10s`, `1.5s`, `250ms`.
    static func format(_ duration: Duration) -> String {
        let ms = Int64(milliseconds(duration))
        if ms % 1000 == 0 { return "\(ms / 1000)s" }
        if ms >= 1000 { return "\(Double(ms) / 1000)s" }
        return "\(ms)ms"
    }

    /// A NUL-terminated C string buffer.
    static func string(_ buffer: [CChar]) -> String {
        buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    static var runtimeVersion: String { String(cString: rd_kafka_version_str()) }
}

// MARK: - Blocking work

/// Where blocking librdkafka calls (metadata, admin, commit, committed, seek, flush) run: a Dispatch queue,
/// never the Swift cooperative pool, so a slow broker cannot starve other tasks.
enum RDBlocking {
    static let queue = DispatchQueue(label: "keel.kafka.blocking", attributes: .concurrent)

    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try body() })
            }
        }
    }
}

// MARK: - Configuration

/// Owns an `rd_kafka_conf_t` until `rd_kafka_new` takes it.
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

    fileprivate func release() { handle = nil }

    /// After a direct `rd_kafka_new` that took ownership.
    func releaseHandle() -> Bool { handle = nil; return true }
}

// MARK: - Client

/// Callbacks' way back to Swift: `rd_kafka_conf_set_opaque` points at this object (unretained; the
/// `RDKafkaClient` that owns it outlives the `rd_kafka_t`).
final class RDClientContext: Sendable {
    typealias RebalanceHandler = @Sendable (
        OpaquePointer, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>
    ) -> Void

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
    context.logger.log(level: swiftLevel, "librdkafka \(fac): \(text)")
}

private let rdErrorCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = {
    _, err, reason, opaque in
    guard let context = RDClientContext.from(opaque) else { return }
    let text = reason.map { String(cString: $0) } ?? RDKafka.reason(rd_kafka_resp_err_t(err))
    context.lastError.withLock { $0 = text }
    context.logger.debug("librdkafka error \(RDKafka.name(rd_kafka_resp_err_t(err))): \(text)")
}

private let rdRebalanceCallback: @convention(c) (
    OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, UnsafeMutableRawPointer?
) -> Void = { rk, err, partitions, opaque in
    guard let rk, let partitions, let context = RDClientContext.from(opaque), let handler = context.rebalance else {
        if let rk { _ = rd_kafka_assign(rk, nil) }
        return
    }
    handler(rk, err, partitions)
}

/// One `rd_kafka_t`.
///
/// `@unchecked Sendable`: the handle is immutable and librdkafka's `rd_kafka_t` is thread-safe for every call
/// this layer makes; `destroy()` is called exactly once by the owner after all its users have stopped.
final class RDKafkaClient: @unchecked Sendable {
    enum Kind { case producer, consumer }

    let handle: OpaquePointer
    let context: RDClientContext
    private let destroyed = Atomic<Bool>(false)

    /// `configure` may install type-specific callbacks (e.g. the delivery report callback) before creation.
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

    /// Destroys the handle once (later calls do nothing).
    func destroy() {
        guard !destroyed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        rd_kafka_destroy(handle)
    }

    var isDestroyed: Bool { destroyed.load(ordering: .acquiring) }

    var lastErrorText: String? { context.lastError.withLock { $0 } }

    // MARK: Metadata

    struct TopicMetadata: Sendable {
        var partitions: Int32
        var replicationFactor: Int16
    }

    /// All topics (a request for *all* topics never auto-creates one, unlike a request naming a missing topic).
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

    // MARK: Admin

    /// Runs one admin request and waits for its result event (bounded by `timeoutMs` plus a margin).
    func admin(
        _ op: rd_kafka_admin_op_t,
        timeoutMs: Int32,
        what: String,
        _ start: (OpaquePointer, OpaquePointer?, OpaquePointer) -> Void
    ) throws -> RDEvent {
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
final class RDEvent {
    let handle: OpaquePointer
    init(_ handle: OpaquePointer) { self.handle = handle }
    deinit { rd_kafka_event_destroy(handle) }
}

// MARK: - Topic partition lists

/// Owns (or borrows) an `rd_kafka_topic_partition_list_t`.
final class RDKafkaTopicPartitionList {
    let list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>
    private let owned: Bool

    init(capacity: Int = 4) {
        list = rd_kafka_topic_partition_list_new(Int32(clamping: max(1, capacity)))
        owned = true
    }

    init(borrowing list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        self.list = list
        owned = false
    }

    init(copying list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        self.list = rd_kafka_topic_partition_list_copy(list)
        owned = true
    }

    convenience init(_ partitions: [TopicPartition], offset: Int64 = Int64(RD_KAFKA_OFFSET_INVALID)) {
        self.init(capacity: partitions.count)
        for tp in partitions { add(tp, offset: offset) }
    }

    deinit { if owned { rd_kafka_topic_partition_list_destroy(list) } }

    func add(_ tp: TopicPartition, offset: Int64) {
        let element = rd_kafka_topic_partition_list_add(list, tp.topic, tp.partition)
        element?.pointee.offset = offset
    }

    var count: Int { Int(list.pointee.cnt) }

    struct Element {
        var topicPartition: TopicPartition
        var offset: Int64
        var err: rd_kafka_resp_err_t
        var index: Int
    }

    var elements: [Element] {
        (0..<count).map { i in
            let e = list.pointee.elems[i]
            return Element(
                topicPartition: TopicPartition(String(cString: e.topic), e.partition),
                offset: e.offset, err: e.err, index: i
            )
        }
    }

    func setOffset(at index: Int, _ offset: Int64) { list.pointee.elems[index].offset = offset }

    var partitions: [TopicPartition] { elements.map(\.topicPartition) }

    /// The first per-partition error, mapped.
    func firstError(_ what: String) -> EventLogError? {
        for e in elements where e.err != RD_KAFKA_RESP_ERR_NO_ERROR {
            return RDKafka.error(e.err, "\(what) \(e.topicPartition)")
        }
        return nil
    }
}

// MARK: - Headers

enum RDKafkaHeaders {
    /// A non-null address for empty buffers: librdkafka tells "empty" from "absent" by the pointer.
    nonisolated(unsafe) static let emptyBytes: UnsafeMutableRawPointer = {
        let p = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)
        p.storeBytes(of: 0, as: UInt8.self)
        return p
    }()

    /// A new `rd_kafka_headers_t` (byte-exact values; `nil` values stay null), or nil for no headers.
    static func make(_ headers: [RecordHeader]) -> OpaquePointer? {
        guard !headers.isEmpty, let list = rd_kafka_headers_new(headers.count) else { return nil }
        for header in headers {
            var name = header.name
            name.withUTF8 { nameBytes in
                let namePtr = UnsafeRawPointer(nameBytes.baseAddress ?? UnsafePointer(emptyBytes.assumingMemoryBound(to: UInt8.self)))
                    .assumingMemoryBound(to: CChar.self)
                if let value = header.value {
                    value.withUnsafeBytes { valueBytes in
                        _ = rd_kafka_header_add(
                            list, namePtr, nameBytes.count,
                            valueBytes.baseAddress ?? UnsafeRawPointer(emptyBytes), valueBytes.count
                        )
                    }
                } else {
                    _ = rd_kafka_header_add(list, namePtr, nameBytes.count, nil, 0)
                }
            }
        }
        return list
    }

    /// The headers of a consumed message, in wire order.
    static func read(_ message: UnsafeMutablePointer<rd_kafka_message_t>) -> [RecordHeader] {
        var list: OpaquePointer?
        guard rd_kafka_message_headers(message, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [] }
        var result: [RecordHeader] = []
        var index = 0
        while true {
            var name: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var size = 0
            guard rd_kafka_header_get_all(list, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR else { break }
            let headerName = name.map { String(cString: $0) } ?? ""
            let bytes: [UInt8]? = value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }
            result.append(RecordHeader(name: headerName, value: bytes))
            index += 1
        }
        return result
    }
}

/// Bytes of a C buffer; `nil` pointer → `nil` (absent), non-nil with length 0 → `[]`.
@inline(__always)
func rdBytes(_ pointer: UnsafeMutableRawPointer?, _ length: Int) -> [UInt8]? {
    guard let pointer else { return nil }
    if length == 0 { return [] }
    return Array(UnsafeRawBufferPointer(start: pointer, count: length))
}
