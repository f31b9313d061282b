import CRdKafka
import Foundation
import Synchronization

/// A dedicated OS thread that serves the producer's queue (`rd_kafka_poll`): delivery reports, errors, logs.
///
/// Why a thread of our own rather than a Swift Task or librdkafka's background queue: `rd_kafka_poll` blocks,
/// so it must not sit on the cooperative pool; delivery reports via `dr_msg_cb` are served only by
/// `rd_kafka_poll`/`flush` (the background queue would deliver them as events through a second code path);
/// and owning the thread lets `shutdown()` stop and join it *before* `rd_kafka_destroy`, so no callback
/// can run against freed state.
final class RDPollThread: Sendable {
    private let stopFlag = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    init(client: RDKafkaClient, name: String) {
        let thread = Thread { [self] in
            while !self.stopFlag.load(ordering: .acquiring) {
                _ = rd_kafka_poll(client.handle, 50)
            }
            self.finished.signal()
        }
        thread.name = name
        thread.start()
    }

    /// Stops and joins the thread (blocking: call off the cooperative pool).
    func stop() {
        guard !stopFlag.exchange(true, ordering: .acquiringAndReleasing) else { return }
        finished.wait()
    }
}
