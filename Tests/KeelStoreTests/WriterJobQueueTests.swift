import Foundation
import KeelSQLite
import Synchronization
import Testing

@Suite("WriterJobQueue")
struct WriterJobQueueTests {
    final class Taken: Sendable {
        let batches = Mutex<[[Int]]>([])
    }

    /// Runs `take` on a thread of its own, as the writer does, and waits for its batch.
    private func take(_ queue: WriterJobQueue<Int>, linger: Duration?, into taken: Taken) -> Thread {
        let thread = Thread {
            let (jobs, _) = queue.take(until: nil, linger: linger)
            taken.batches.withLock { $0.append(jobs) }
        }
        thread.start()
        return thread
    }

    private func waitForBatches(_ taken: Taken, count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while taken.batches.withLock({ $0.count }) < count {
            try #require(ContinuousClock.now < deadline, "take did not return")
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    @Test func lingeringGathersJobsEnqueuedMeanwhileIntoOneBatch() async throws {
        let queue = WriterJobQueue<Int>()
        let taken = Taken()
        _ = take(queue, linger: .seconds(5), into: taken)
        // Enqueued while the writer lingers, 20 ms apart on a thread of their own (without the
        // linger the first would be taken alone): all of them are taken together, in order.
        // A thread, not a task: a busy cooperative pool can stretch a task's sleep by seconds.
        let enqueued = Taken()
        let producer = Thread {
            for job in 1...5 {
                let accepted = queue.enqueue(job)
                enqueued.batches.withLock { $0.append(accepted ? [job] : []) }
                Thread.sleep(forTimeInterval: 0.02)
            }
        }
        producer.start()
        try await waitForBatches(taken, count: 1)
        #expect(enqueued.batches.withLock { $0 } == [[1], [2], [3], [4], [5]])
        #expect(taken.batches.withLock { $0 } == [[1, 2, 3, 4, 5]])
        queue.stopNow()
    }

    @Test func withoutLingerTheFirstJobIsTakenAlone() async throws {
        let queue = WriterJobQueue<Int>()
        let taken = Taken()
        _ = take(queue, linger: nil, into: taken)
        #expect(queue.enqueue(7))
        try await waitForBatches(taken, count: 1)
        #expect(queue.enqueue(8))
        #expect(taken.batches.withLock { $0 } == [[7]])
        queue.stopNow()
    }
}
