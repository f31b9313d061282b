import Foundation
import KeelCore

/// The hand-over between callers and one writer thread: any thread enqueues jobs; the writer
/// thread (a one-thread `BlockingExecutor`, so the writer's connection stays on one thread)
/// takes *all* pending jobs at once (so it can commit them in one transaction) and waits
/// at most until its next periodic deadline.
///
/// Guarantees: jobs are taken in enqueue order; once `stop()` was asked, no job is accepted and
/// the writer is told to exit only after the queue is empty, so every accepted job is run.
///
/// NOTE `@unchecked Sendable`: every stored property is only touched while holding `condition`.
package final class WriterJobQueue<Job>: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var stopping = false
    private var exited = false
    private var exitWaiters: [CheckedContinuation<Void, Never>] = []

    package init() {}

    /// Starts the writer thread (a one-thread `BlockingExecutor`): `open` runs on it first and its
    /// error, if any, is thrown here (the thread then ends and the queue refuses work); otherwise
    /// `loop` runs next on the same thread, which must call `markExited()` last. The caller
    /// suspends while `open` runs; no thread blocks waiting for it.
    package func start<Failure: Error>(
        name: String, stackSize: Int,
        open: @escaping @Sendable () throws(Failure) -> Void,
        loop: @escaping @Sendable () -> Void
    ) async throws(Failure) {
        let thread = BlockingExecutor(name: name, threadCount: 1, queueLimit: 2, stackSize: stackSize)
        // Refuses further work at once: the thread runs `open` and `loop`, then exits.
        defer { thread.shutdown() }
        do {
            // Not cancellable: once asked to open, the writer opens (or reports why it could not).
            try await thread.run(cancellable: false) { () throws -> Void in try open() }
        } catch {
            markExited()
            // `open`'s own error; the executor, fresh and with room, refuses nothing.
            throw error as! Failure
        }
        // One thread, FIFO: `loop` runs next, on the thread that ran `open`.
        try! thread.execute(loop)
    }

    /// Writer thread: waits for jobs, a stop request, or `deadline` (when given). Returns every
    /// pending job, and `exit` when a stop was asked and nothing is left to do.
    ///
    /// `linger` first sleeps that long without taking jobs, so more of them share the next
    /// commit. It is a plain sleep, not a wait on `condition`: callers enqueueing meanwhile do
    /// not wake the writer once per job.
    package func take(until deadline: ContinuousClock.Instant?, linger: Duration? = nil) -> (jobs: [Job], exit: Bool) {
        if let linger, linger > .zero { Thread.sleep(forTimeInterval: Self.seconds(linger)) }
        condition.lock()
        defer { condition.unlock() }
        while jobs.isEmpty && !stopping {
            if let deadline {
                let remaining = ContinuousClock.now.duration(to: deadline)
                if remaining <= .zero { break }
                _ = condition.wait(until: Date(timeIntervalSinceNow: Self.seconds(remaining)))
            } else {
                condition.wait()
            }
        }
        let taken = jobs
        jobs.removeAll(keepingCapacity: true)
        return (taken, stopping && taken.isEmpty)
    }

    private static func seconds(_ duration: Duration) -> TimeInterval {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Any thread: queues a job for the writer. False when the writer is stopping or gone; the
    /// caller then fails the job itself.
    package func enqueue(_ job: Job) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if stopping || exited { return false }
        jobs.append(job)
        condition.signal()
        return true
    }

    /// Writer thread, as its last act: records the exit and wakes every `stop()` caller.
    package func markExited() {
        condition.lock()
        exited = true
        let waiters = exitWaiters
        exitWaiters = []
        condition.unlock()
        for waiter in waiters { waiter.resume() }
    }

    /// Asks the writer to finish the queued jobs and exit; returns once it has.
    package func stop() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            condition.lock()
            stopping = true
            if exited {
                condition.unlock()
                continuation.resume()
                return
            }
            exitWaiters.append(continuation)
            condition.signal()
            condition.unlock()
        }
    }

    /// Asks the writer to stop without waiting (from `deinit`).
    package func stopNow() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }
}
