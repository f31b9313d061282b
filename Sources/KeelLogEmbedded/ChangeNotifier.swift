import Synchronization

/// Wakes consumers waiting for new data (or any other change: a rebalance, a close).
///
/// A monotonically increasing generation: a waiter reads it, looks for work, and then waits
/// until it moves on. Bumped by the writer thread after each commit (in-process), by the
/// inotify watcher (cross-process, read-only mode), by the group coordinator and by `close`.
final class ChangeNotifier: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var nextID: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    var generation: UInt64 { state.withLock { $0.generation } }

    /// How many waits are suspended right now. A test hook: a test produces only once a poll is
    /// known to be waiting, so the wake-up path, not a lucky first fetch, delivers the record.
    var waiterCount: Int { state.withLock { $0.waiters.count } }

    /// Moves the generation on and resumes every waiter.
    func bump() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.generation &+= 1
            defer { state.waiters.removeAll(keepingCapacity: true) }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the generation differs from `seen`, or the task is cancelled.
    func wait(after seen: UInt64) async {
        let id = state.withLock { state -> UInt64 in
            state.nextID &+= 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    // Checked under the lock: a cancellation handler that ran before we
                    // registered found nothing to resume, so we must not register.
                    if state.generation != seen || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }

    /// Waits as `wait(after:)` but at most until `deadline`. Structured: a task group races the
    /// wake-up against a sleep, and the loser is cancelled.
    func wait(after seen: UInt64, until deadline: ContinuousClock.Instant) async {
        if ContinuousClock.now >= deadline { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.wait(after: seen) }
            group.addTask { try? await Task.sleep(until: deadline, clock: .continuous) }
            await group.next()
            group.cancelAll()
        }
    }
}
