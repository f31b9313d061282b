import Dispatch
import Foundation
import KeelLog
import Synchronization

/// Where librdkafka calls that block run (metadata, admin, commit, committed, seek, offset look-ups,
/// flush: each up to a request timeout, 30 s by default): a fixed set of dedicated OS threads and a
/// queue of pending work, so these calls never occupy Swift's cooperative pool and a slow broker
/// cannot make the process grow a thread per waiting call.
///
/// Guarantees: at most `threadCount` calls run at once, in submission order (FIFO). Work whose task is
/// cancelled before a thread has taken it is removed from the queue and its caller resumes with
/// `CancellationError`; work that has started runs to completion (a librdkafka call cannot be
/// interrupted). After `shutdown()` new work fails with `.closed`; queued work still runs.
/// Thread-safe: the queue is in a `Mutex`; a semaphore counts queued work for the threads to wait on.
final class RDBlockingExecutor: Sendable {
    /// The adapter's executor. Eight threads: enough for a process's consumers to commit and seek while
    /// admin requests run; when all eight wait on an unreachable broker, further work waits in the queue
    /// (and stays cancellable) instead of adding threads.
    static let shared = RDBlockingExecutor(threadCount: 8, name: "keel-kafka-blocking")

    private struct Job {
        let id: UInt64
        let run: @Sendable () -> Void
        let cancel: @Sendable () -> Void
    }

    private struct State {
        var queue = RingBuffer<Job>()
        var closed = false
    }

    private enum Admission { case queued, cancelled, closed }

    private let state = Mutex(State())
    /// Signalled once per queued job and once per thread at shutdown; a wake-up that finds the job
    /// already cancelled finds the queue empty and waits again.
    private let available = DispatchSemaphore(value: 0)
    private let nextID = Atomic<UInt64>(0)
    let threadCount: Int

    init(threadCount: Int, name: String) {
        precondition(threadCount > 0, "an executor needs at least one thread")
        self.threadCount = threadCount
        for index in 0..<threadCount {
            let thread = Thread { [self] in work() }
            thread.name = "\(name)-\(index)"
            thread.start()
        }
    }

    /// Runs `body` on one of the executor's threads and returns its result. `cancellable: false` is for
    /// work that must happen even when the caller's task is cancelled (releasing librdkafka handles).
    func run<T: Sendable>(cancellable: Bool = true, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).newValue
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
                let job = Job(
                    id: id,
                    run: { continuation.resume(with: Result { try body() }) },
                    cancel: { continuation.resume(throwing: CancellationError()) }
                )
                let admission = state.withLock { s -> Admission in
                    if s.closed { return .closed }
                    // Read under the lock that `onCancel` takes: a cancellation either came first (and
                    // is seen here) or comes later and finds the job in the queue.
                    if cancellable && Task.isCancelled { return .cancelled }
                    s.queue.append(job)
                    return .queued
                }
                switch admission {
                case .queued: available.signal()
                case .cancelled: job.cancel()
                case .closed: continuation.resume(throwing: EventLogError(.closed, "the Kafka adapter's blocking executor is shut down"))
                }
            }
        } onCancel: {
            guard cancellable else { return }
            let removed = state.withLock { $0.queue.remove(firstWhere: { $0.id == id }) }
            removed?.cancel()
        }
    }

    /// Work queued and not yet taken by a thread.
    var queuedCount: Int { state.withLock { $0.queue.count } }

    /// Stops accepting work; the threads finish what is queued, then exit. Does not wait for them.
    func shutdown() {
        let first = state.withLock { s -> Bool in
            defer { s.closed = true }
            return !s.closed
        }
        guard first else { return }
        for _ in 0..<threadCount { available.signal() }
    }

    private enum Next {
        case run(Job)
        case wait
        case exit
    }

    private func work() {
        while true {
            available.wait()
            let next = state.withLock { s -> Next in
                if let job = s.queue.popFirst() { return .run(job) }
                return s.closed ? .exit : .wait
            }
            switch next {
            case .run(let job): job.run()
            case .wait: continue
            case .exit: return
            }
        }
    }
}

/// A FIFO queue in a growable circular buffer: amortised O(1) `append` and `popFirst`, O(n)
/// `remove(firstWhere:)` (for the rare cancelled job). A value type, not thread-safe by itself.
struct RingBuffer<Element> {
    private var slots: [Element?] = []
    private var head = 0
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    mutating func append(_ element: Element) {
        if count == slots.count { grow() }
        slots[slot(count)] = element
        count += 1
    }

    mutating func popFirst() -> Element? {
        guard count > 0 else { return nil }
        let element = slots[head]
        slots[head] = nil
        head = (head + 1) % slots.count
        count -= 1
        return element
    }

    /// Removes the first element matching `predicate`, keeping the others in order.
    mutating func remove(firstWhere predicate: (Element) -> Bool) -> Element? {
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
