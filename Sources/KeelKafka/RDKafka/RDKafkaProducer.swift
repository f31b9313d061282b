import CRdKafka
import KeelLog

/// The producer calls on an `rd_kafka_t` created as a producer: a view, not an owner (the
/// `RDKafkaClient` owns the handle).
///
/// Threads: `enqueue` never blocks (a full queue is reported, not waited for) and may run anywhere;
/// `flush` blocks and must run off the cooperative pool.
struct RDKafkaProducer {
    let handle: OpaquePointer

    enum EnqueueOutcome {
        case enqueued
        /// librdkafka's queue is full: nothing was taken, try again once delivery reports drained it.
        case queueFull
        case refused(EventLogError)
    }

    /// Hands one record of `batch` to librdkafka, which copies key, value and headers before returning.
    func enqueue(_ record: OutgoingRecord, index: Int, of batch: RDProduceBatch, to topic: RDTopicHandle) -> EnqueueOutcome {
        var vus = [rd_kafka_vu_t](repeating: rd_kafka_vu_t(), count: 8)
        var n = 0
        vus[n].vtype = RD_KAFKA_VTYPE_RKT; vus[n].u.rkt = topic.pointer; n += 1
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
                return rd_kafka_produceva(handle, vus, m)
            }
        }
        guard let error else { return .enqueued }  // librdkafka owns the headers now
        if let headers { rd_kafka_headers_destroy(headers) }
        if rd_kafka_error_code(error) == RD_KAFKA_RESP_ERR__QUEUE_FULL {
            rd_kafka_error_destroy(error)
            return .queueFull
        }
        return .refused(RDKafka.error(consuming: error, "record \(index) to \(batch.topic) refused"))
    }

    @inline(__always)
    private static func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeMutableRawPointer?, Int) -> R) -> R {
        guard let bytes else { return body(nil, 0) }
        return bytes.withUnsafeBytes { buffer in
            // RD_KAFKA_MSG_F_COPY: librdkafka copies before produceva returns and never writes through it.
            body(UnsafeMutableRawPointer(mutating: buffer.baseAddress) ?? RDKafkaHeaders.emptyBytes, buffer.count)
        }
    }

    /// Waits up to `timeoutMs` for every queued record's delivery report (blocks). False when some are left.
    func flush(timeoutMs: Int32) -> Bool {
        rd_kafka_flush(handle, timeoutMs) == RD_KAFKA_RESP_ERR_NO_ERROR
    }

    /// Records queued or in flight, not yet reported.
    var outstanding: Int32 { rd_kafka_outq_len(handle) }

    /// Fails every queued and in-flight record (their delivery reports come with the next poll or flush).
    func purgeAll() {
        _ = rd_kafka_purge(handle, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
    }

    /// Serves whatever callbacks are ready (delivery reports, errors, logs), without waiting.
    func serveCallbacks() {
        _ = rd_kafka_poll(handle, 0)
    }
}

extension RDKafkaConfig {
    /// Installs the callback that completes `RDProduceBatch`es.
    func enableDeliveryReports() {
        rd_kafka_conf_set_dr_msg_cb(handle, rdDeliveryReportCallback)
    }
}

/// A producer topic handle (`rd_kafka_topic_t`).
///
/// `@unchecked Sendable`: librdkafka topic handles are reference counted and thread-safe; Keel destroys them
/// only in shutdown, after every produce call has finished handing records over.
struct RDTopicHandle: @unchecked Sendable {
    let pointer: OpaquePointer

    /// nil when librdkafka refuses the name.
    init?(client: RDKafkaClient, topic: String) {
        guard let rkt = rd_kafka_topic_new(client.handle, topic, nil) else { return nil }
        pointer = rkt
    }

    /// Once, after the last produce that used it.
    func destroy() { rd_kafka_topic_destroy(pointer) }
}
