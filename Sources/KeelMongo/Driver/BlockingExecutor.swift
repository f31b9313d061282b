import Foundation
import Synchronization

/// A fixed set of dedicated OS threads that run blocking libmongoc calls, so they never occupy
/// Swift's cooperative thread pool. Each `run` is one job; the caller suspends on a continuation
/// until a worker thread has run it.
///
/// Guarantees: jobs start in submission order (FIFO) on at most `threadCount` threads at once;
/// after `shutdown` starts, new jobs fail with `.closed` while queued ones still run; `shutdown`
/// returns after every worker has exited and the finaliser has run on the last of them.
final class BlockingExecutor: Sendable {
    private struct State {
        var jobs: [@Sendable () -> Void] = []
        var head = 0
        var closed = false
        var running: Int
        var finalizer: (@Sendable () -> Void)?
        var shutdownWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>
    /// NSCondition only signals; the queue itself is guarded by `state`.
    private let wakeup = NSCondition()
    let threadCount: Int

    init(threadCount: Int, name: String) {
        self.threadCount = threadCount
        state = Mutex(State(running: threadCount))
        for index in 0..<threadCount {
            let thread = Thread { [self] in workerLoop() }
            thread.name = "\(name)-\(index)"
            thread.start()
        }
    }

    /// Runs `body` on a worker thread and returns its result.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            let job: @Sendable () -> Void = { continuation.resume(with: Result { try body() }) }
            let accepted = state.withLock { state -> Bool in
                guard !state.closed else { return false }
                state.jobs.append(job)
                return true
            }
            if accepted {
                wakeup.lock()
                wakeup.signal()
                wakeup.unlock()
            } else {
                continuation.resume(throwing: MongoFailure(kind: .closed, message: "the MongoDB store was shut down"))
            }
        }
    }

    /// Stops accepting jobs, lets the queued ones finish, runs `finalizer` once on the last worker
    /// to exit, then returns. Idempotent: later calls wait for the same completion.
    func shutdown(finalizer: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let finished = state.withLock { state -> Bool in
                if state.running == 0 && state.closed { return true }
                if !state.closed {
                    state.closed = true
                    state.finalizer = finalizer
                }
                state.shutdownWaiters.append(continuation)
                return false
            }
            if finished {
                continuation.resume()
            } else {
                wakeup.lock()
                wakeup.broadcast()
                wakeup.unlock()
            }
        }
    }

    private enum Next {
        case job(@Sendable () -> Void)
        case wait
        case exit(finalizer: (@Sendable () -> Void)?, waiters: [CheckedContinuation<Void, Never>])
    }

    private func workerLoop() {
        while true {
            wakeup.lock()
            var next = take()
            while case .wait = next {
                wakeup.wait()
                next = take()
            }
            wakeup.unlock()
            switch next {
            case .job(let job):
                job()
            case .exit(let finalizer, let waiters):
                finalizer?()
                for waiter in waiters { waiter.resume() }
                return
            case .wait:
                continue
            }
        }
    }

    /// Called with `wakeup` locked.
    private func take() -> Next {
        state.withLock { state -> Next in
            if state.head < state.jobs.count {
                let job = state.jobs[state.head]
                state.head += 1
                if state.head > 64 && state.head * 2 > state.jobs.count {
                    state.jobs.removeFirst(state.head)
                    state.head = 0
                }
                return .job(job)
            }
            guard state.closed else { return .wait }
            state.running -= 1
            guard state.running == 0 else { return .exit(finalizer: nil, waiters: []) }
            let waiters = state.shutdownWaiters
            state.shutdownWaiters = []
            let finalizer = state.finalizer
            state.finalizer = nil
            return .exit(finalizer: finalizer, waiters: waiters)
        }
    }
}
