import CRdKafka
import KeelLog

/// A consumed message (or consumer error) that librdkafka handed over: a borrowed view, valid only
/// inside the `RDKafkaFetcher` call that produced it (the fetcher destroys the message afterwards).
struct RDKafkaMessage {
    let pointer: UnsafeMutablePointer<rd_kafka_message_t>

    /// Set when this is an error event rather than a record.
    var error: RDKafkaError? { RDKafkaError(ifFailed: pointer.pointee.err) }

    /// The error's text (librdkafka's, else the code's reason).
    var errorText: String {
        rd_kafka_message_errstr(pointer).map { String(cString: $0) } ?? RDKafka.reason(pointer.pointee.err)
    }

    var partition: Int32 { pointer.pointee.partition }
    var offset: Int64 { pointer.pointee.offset }

    /// A copy of the record: key, value and headers byte-exact.
    func record(topic: String) -> ConsumedRecord {
        let m = pointer.pointee
        return ConsumedRecord(
            topic: topic,
            partition: m.partition,
            offset: m.offset,
            timestampMs: rd_kafka_message_timestamp(pointer, nil),
            key: rdBytes(m.key, m.key_len),
            value: rdBytes(m.payload, m.len),
            headers: RDKafkaHeaders.read(pointer)
        )
    }
}

/// Topic names of consumed messages, cached per librdkafka topic handle (a message names its
/// topic only by handle). Not thread-safe: kept by the thread that polls.
struct RDTopicNames {
    private var names: [OpaquePointer: String] = [:]

    mutating func name(of message: RDKafkaMessage) -> String {
        guard let rkt = message.pointer.pointee.rkt else { return "" }
        if let name = names[rkt] { return name }
        let name = String(cString: rd_kafka_topic_name(rkt))
        names[rkt] = name
        return name
    }
}

/// Takes consumed messages off a consumer's queue: in batches when they are already fetched, one
/// at a time with a bounded wait otherwise. Owns a reference to the consumer queue and the array
/// batches are taken into.
///
/// Not thread-safe: confined to the thread that polls the consumer. `close()` must run before the
/// client is destroyed (librdkafka does not let a client go while a queue reference is held).
final class RDKafkaFetcher {
    private let consumer: RDKafkaConsumer
    private var queue: OpaquePointer?
    private var buffer: UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>?

    init(_ consumer: RDKafkaConsumer, capacity: Int) {
        self.consumer = consumer
        buffer = .allocate(capacity: capacity)
        queue = rd_kafka_queue_get_consumer(consumer.handle)
    }

    deinit { buffer?.deallocate() }

    /// Takes up to `max` (≤ the capacity) messages that are already fetched, without waiting, and
    /// hands each to `body`; each is destroyed after its call, and when `body` throws the rest of the
    /// batch is destroyed unseen. Returns how many were taken (0: none waiting).
    @inline(__always)
    func takeFetched(max: Int, _ body: (RDKafkaMessage) throws -> Void) rethrows -> Int {
        if queue == nil { queue = rd_kafka_queue_get_consumer(consumer.handle) }
        guard let queue, let buffer else { return 0 }
        let n = rd_kafka_consume_batch_queue(queue, 0, buffer, max)
        guard n > 0 else { return 0 }
        var next = 0
        defer {
            while next < n {
                if let message = buffer[next] { rd_kafka_message_destroy(message) }
                next += 1
            }
        }
        while next < n {
            let message = buffer[next]
            next += 1
            guard let message else { continue }
            defer { rd_kafka_message_destroy(message) }
            try body(RDKafkaMessage(pointer: message))
        }
        return n
    }

    /// Waits up to `timeoutMs` for one message (serving callbacks, rebalances included, meanwhile) and
    /// hands it to `body`, then destroys it. Returns false when none came.
    @inline(__always)
    func poll(timeoutMs: Int32, _ body: (RDKafkaMessage) throws -> Void) rethrows -> Bool {
        guard let message = rd_kafka_consumer_poll(consumer.handle, timeoutMs) else { return false }
        defer { rd_kafka_message_destroy(message) }
        try body(RDKafkaMessage(pointer: message))
        return true
    }

    /// Releases the queue and the batch array (once; later calls do nothing).
    func close() {
        if let queue { rd_kafka_queue_destroy(queue) }
        queue = nil
        buffer?.deallocate()
        buffer = nil
    }
}
