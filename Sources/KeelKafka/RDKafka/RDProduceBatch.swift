import CRdKafka
import Foundation
import KeelLog
import Synchronization

/// The records of one `produce` call awaiting their delivery reports: ONE continuation per batch.
///
/// Each record's `msg_opaque` points at its slot in `slots`, so the delivery report callback finds the batch
/// and the record's index with pointer arithmetic and no allocation per record.
///
/// `@unchecked Sendable`: `slots` is written once in `init` and only read afterwards; all mutable state is
/// in the `Mutex`.
final class RDProduceBatch: @unchecked Sendable {
    struct State {
        var partitions: [Int32]
        var offsets: [Int64]
        var timestamps: [Int64]
        var failures: [Int: EventLogError] = [:]
        /// Records handed to librdkafka and not yet reported, plus 1 until the batch is sealed.
        var outstanding = 1
        var continuation: CheckedContinuation<Void, Never>?
        var done = false
    }

    let topic: String
    let count: Int
    let slots: UnsafeMutablePointer<Unmanaged<RDProduceBatch>>
    let state: Mutex<State>

    init(topic: String, count: Int) {
        self.topic = topic
        self.count = count
        self.slots = .allocate(capacity: count)
        self.state = Mutex(
            State(
                partitions: [Int32](repeating: -1, count: count),
                offsets: [Int64](repeating: -1, count: count),
                timestamps: [Int64](repeating: 0, count: count)
            ))
        slots.initialize(repeating: Unmanaged.passUnretained(self), count: count)
    }

    deinit { slots.deallocate() }

    func opaque(for index: Int) -> UnsafeMutableRawPointer { UnsafeMutableRawPointer(slots + index) }

    /// Before each hand-over to librdkafka.
    func willEnqueue() { state.withLock { $0.outstanding += 1 } }

    /// A record that librdkafka refused (it was counted by `willEnqueue`).
    func refused(_ index: Int, _ error: EventLogError) {
        let continuation = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.failures[index] = error
            return Self.decrement(&s)
        }
        continuation?.resume()
    }

    /// A record never handed over (cancellation, shutdown).
    func notEnqueued(_ index: Int, _ error: EventLogError) {
        state.withLock { $0.failures[index] = error }
    }

    /// Called on the delivery-report thread.
    func delivered(_ index: Int, partition: Int32, offset: Int64, timestampMs: Int64, err: rd_kafka_resp_err_t) {
        let continuation = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if err == RD_KAFKA_RESP_ERR_NO_ERROR {
                s.partitions[index] = partition
                s.offsets[index] = offset
                s.timestamps[index] = timestampMs
            } else {
                s.failures[index] = RDKafka.error(err, "record \(index) to \(topic) not acknowledged")
            }
            return Self.decrement(&s)
        }
        continuation?.resume()
    }

    private static func decrement(_ s: inout State) -> CheckedContinuation<Void, Never>? {
        s.outstanding -= 1
        guard s.outstanding == 0 else { return nil }
        s.done = true
        let c = s.continuation
        s.continuation = nil
        return c
    }

    /// Seals the batch and waits for every report.
    func wait() async throws -> [RecordCoordinates] {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { s -> CheckedContinuation<Void, Never>? in
                s.continuation = continuation
                return Self.decrement(&s)
            }
            ready?.resume()
        }
        return try state.withLock { s in
            if s.failures.isEmpty {
                var result: [RecordCoordinates] = []
                result.reserveCapacity(count)
                for i in 0..<count {
                    result.append(RecordCoordinates(topic: topic, partition: s.partitions[i], offset: s.offsets[i], timestampMs: s.timestamps[i]))
                }
                return result
            }
            var acknowledged: [Int: RecordCoordinates] = [:]
            for i in 0..<count where s.failures[i] == nil {
                acknowledged[i] = RecordCoordinates(topic: topic, partition: s.partitions[i], offset: s.offsets[i], timestampMs: s.timestamps[i])
            }
            throw ProduceFailure(topic: topic, acknowledged: acknowledged, failures: s.failures)
        }
    }
}

/// librdkafka's delivery report callback: runs on the log's poll thread (inside `rd_kafka_poll`/`rd_kafka_flush`).
let rdDeliveryReportCallback: @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = {
    _, message, _ in
    guard let message, let opaque = message.pointee._private else { return }
    let slot = opaque.assumingMemoryBound(to: Unmanaged<RDProduceBatch>.self)
    let batch = slot.pointee.takeUnretainedValue()
    let index = slot - batch.slots
    var timestamp = rd_kafka_message_timestamp(message, nil)
    if timestamp < 0 { timestamp = Int64(Date().timeIntervalSince1970 * 1000) }
    batch.delivered(
        index, partition: message.pointee.partition, offset: message.pointee.offset,
        timestampMs: timestamp, err: message.pointee.err
    )
}

extension RDProduceBatch {
    /// A record refused with QUEUE_FULL that will be retried: undo `willEnqueue` without failing it.
    func refusedForRetry() { state.withLock { $0.outstanding -= 1 } }
}
