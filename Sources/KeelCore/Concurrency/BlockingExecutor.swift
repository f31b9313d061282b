import Foundation
import Synchronization

/// A fixed set of named OS threads and a bounded FIFO queue of jobs: where blocking C calls run
/// (librdkafka requests, SQLite reads and writes, libmongoc), so that they never occupy a thread of
/// Swift's cooperative pool and a slow server cannot make the process grow a thread per waiting call.
/// The adapters each own one or more (see docs/architecture.md, "Blocking C calls").
///
/// Threads are not I/O: the executor itself reads and writes nothing, which is why it lives in the
/// pure `KeelCore`, the one module every adapter (SQLite, Kafka, MongoDB) already depends on.
///
/// Guarantees:
/// - **Bounded threads:** exactly `threadCount` threads, started by `init`, named `<name>-<index>`;
///   at most that many jobs run at once.
/// - **Ordering:** jobs *start* in submission order (FIFO). With one thread they also run one at a
///   time, in that order, on the same thread (a connection confined to that thread stays confined).
/// - **Bounded queue:** at most `queueLimit` jobs wait for a thread; one more is refused at once
///   (`BlockingExecutorRefusal.Reason.queueFull`, mapped through `refusal`), it does not wait.
/// - **Cancellation:** a `run` whose task is cancelled while its job is still queued removes the job
///   and throws `CancellationError` (the body never runs); a job that already started runs to
///   completion (a blocking C call cannot be interrupted) and its result is returned.
///   `cancellable: false` opts out, for work that must happen anyway (releasing handles).
/// - **Shutdown:** after `shutdown()` new jobs are refused (`.shutDown`); jobs already queued still
///   run; then the threads exit. `shutdown(finally:)` also waits for that and runs `finally` on
///   the last thread to exit, after every job.
/// - **Thread-safety:** every method may be called from any thread or task.
///
/// NOTE `@unchecked Sendable`: the mutable state (`state`) is only read or written while holding
/// `condition`'s lock; every other stored property is immutable.
package final class BlockingExecutor: @unchecked Sendable {
    private struct Job {
        let id: UInt64
        let run: @Sendable () -> Void
        let cancel: @Sendable () -> Void
    }

    private struct State {
        var queue = RingBuffer<Job>()
        var closed = false
        /// Threads that have not exited yet.
        var running: Int
        var finalizers: [@Sendable () -> Void] = []
        var exitWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private enum Admission {
        case queued, cancelled
        case refused(BlockingExecutorRefusal)
    }

    /// Names the threads and the refusals.
    package let name: String
    package let threadCount: Int
    package let queueLimit: Int
    private let refusal: @Sendable (BlockingExecutorRefusal) -> any Error
    private let condition = NSCondition()
    private var state: State
    private let nextID = Atomic<UInt64>(0)

    /// Starts `threadCount` threads (each with `stackSize` bytes of stack, when given).
    /// `refusal` turns a refused job into the error its caller sees (the adapter's own error type).
    package init(
        name: String, threadCount: Int, queueLimit: Int, stackSize: Int? = nil,
        refusal: @escaping @Sendable (BlockingExecutorRefusal) -> any Error = { $0 }
    ) {
        precondition(threadCount > 0, "an executor needs at least one thread")
        precondition(queueLimit > 0, "an executor needs room for at least one queued job")
        self.name = name
        self.threadCount = threadCount
        self.queueLimit = queueLimit
        self.refusal = refusal
        state = State(running: threadCount)
        for index in 0..<threadCount {
            let thread = Thread { [self] in work() }
            thread.name = "\(name)-\(index)"
            if let stackSize { thread.stackSize = stackSize }
            thread.start()
        }
    }

    /// Runs `body` on one of the executor's threads and returns its result (or rethrows its error);
    /// the caller suspends meanwhile. Throws `CancellationError` when the task is cancelled before a
    /// thread took the job (unless `cancellable` is false), and `refusal(…)` when the executor is
    /// shut down or its queue is full.
    package func run<T: Sendable>(cancellable: Bool = true, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).newValue
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                let job = Job(
                    id: id,
                    run: { continuation.resume(with: Result { try body() }) },
                    cancel: { continuation.resume(throwing: CancellationError()) }
                )
                // `Task.isCancelled` is read under the lock that `onCancel` takes: a cancellation either
                // came first (and is seen here) or comes later and finds the job in the queue.
                switch admit(job, cancelled: { cancellable && Task.isCancelled }) {
                case .queued: break
                case .cancelled: job.cancel()
                case .refused(let refused): continuation.resume(throwing: refusal(refused))
                }
            }
        } onCancel: {
            guard cancellable else { return }
            condition.lock()
            let removed = state.queue.remove(firstWhere: { $0.id == id })
            condition.unlock()
            removed?.cancel()
        }
    }

    /// Queues `body` without waiting for it (fire and forget); throws `refusal(…)` when the executor
    /// is shut down or its queue is full. Not cancellable.
    package func execute(_ body: @escaping @Sendable () -> Void) throws {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).newValue
        if case .refused(let refused) = admit(Job(id: id, run: body, cancel: {}), cancelled: { false }) {
            throw refusal(refused)
        }
    }

    private func admit(_ job: Job, cancelled: () -> Bool) -> Admission {
        condition.lock()
        defer { condition.unlock() }
        if state.closed { return .refused(BlockingExecutorRefusal(reason: .shutDown, executor: name, queueLimit: queueLimit)) }
        if cancelled() { return .cancelled }
        guard state.queue.count < queueLimit else {
            return .refused(BlockingExecutorRefusal(reason: .queueFull, executor: name, queueLimit: queueLimit))
        }
        state.queue.append(job)
        condition.signal()
        return .queued
    }

    /// Jobs queued and not yet taken by a thread.
    package var queuedCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return state.queue.count
    }

    /// Refuses new jobs from now on; the threads run what is queued, then exit. Returns at once.
    /// Idempotent.
    package func shutdown() {
        condition.lock()
        state.closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// `shutdown()`, then waits until every thread has exited. `finally` (when given) runs after
    /// every job, on the last thread to exit, or here if the threads were already gone.
    package func shutdown(finally: (@Sendable () -> Void)?) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            condition.lock()
            state.closed = true
            guard state.running > 0 else {
                condition.unlock()
                finally?()
                continuation.resume()
                return
            }
            if let finally { state.finalizers.append(finally) }
            state.exitWaiters.append(continuation)
            condition.broadcast()
            condition.unlock()
        }
    }

    private func work() {
        condition.lock()
        while true {
            if let job = state.queue.popFirst() {
                condition.unlock()
                job.run()
                condition.lock()
            } else if state.closed {
                break
            } else {
                condition.wait()
            }
        }
        state.running -= 1
        var finalizers: [@Sendable () -> Void] = []
        var waiters: [CheckedContinuation<Void, Never>] = []
        if state.running == 0 {
            swap(&finalizers, &state.finalizers)
            swap(&waiters, &state.exitWaiters)
        }
        condition.unlock()
        for finalizer in finalizers { finalizer() }
        for waiter in waiters { waiter.resume() }
    }
}

/// Why a `BlockingExecutor` refused a job.
package struct BlockingExecutorRefusal: Error, Sendable, CustomStringConvertible {
    package enum Reason: Sendable, Equatable {
        /// `shutdown()` was called.
        case shutDown
        /// `queueLimit` jobs were already waiting for a thread.
        case queueFull
    }

    package let reason: Reason
    /// The executor's name.
    package let executor: String
    package let queueLimit: Int

    package var description: String {
        switch reason {
        case .shutDown: "the blocking executor \(executor) is shut down"
        case .queueFull: "the blocking executor \(executor) is saturated: \(queueLimit) calls already wait for a thread"
        }
    }
}

/// A FIFO queue in a growable circular buffer: amortised O(1) `append` and `popFirst`, O(n)
/// `remove(firstWhere:)` (for the rare cancelled job). A value type, not thread-safe by itself.
package struct RingBuffer<Element> {
    private var slots: [Element?] = []
    private var head = 0
    package private(set) var count = 0

    package init() {}

    package var isEmpty: Bool { count == 0 }

    package mutating func append(_ element: Element) {
        if count == slots.count { grow() }
        slots[slot(count)] = element
        count += 1
    }

    package mutating func popFirst() -> Element? {
        guard count > 0 else { return nil }
        let element = slots[head]
        slots[head] = nil
        head = (head + 1) % slots.count
        count -= 1
        return element
    }

    /// Removes the first element matching `predicate`, keeping the others in order.
    package mutating func remove(firstWhere predicate: (Element) -> Bool) -> Element? {
        guard let position = (0..<count).first(where: { predicate(slots[slot($0)]!) }) else { return nil }
        let element = slots[slot(position)]
        for i in position..<(count - 1) { slots[slot(i)] = slots[slot(i + 1)] }
        slots[slot(count - 1)] = nil
        count -= 1
        return element
    }

    /// The storage index of the element `offset` places from the head.
    private func slot(_ offset: Int) -> Int { (head + offset) % slots.count }

    private mutating func grow() {
        var grown = [Element?](repeating: nil, count: max(16, slots.count * 2))
        for i in 0..<count { grown[i] = slots[slot(i)] }
        slots = grown
        head = 0
    }
}
