import Synchronization

/// A FIFO async mutex: serves a consumer's `poll` calls one at a time without blocking threads.
/// `acquire` returns `false` if the waiting task is cancelled (it then does not hold the gate).
final class AsyncGate: Sendable {
    private struct State {
        var locked = false
        var nextID: UInt64 = 0
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Bool, Never>)] = []
    }

    private let state = Mutex(State())

    func acquire() async -> Bool {
        let id = state.withLock { state -> UInt64? in
            if !state.locked {
                state.locked = true
                return nil
            }
            state.nextID += 1
            return state.nextID
        }
        guard let id else { return true }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let immediate = state.withLock { state -> Bool? in
                    if !state.locked {
                        state.locked = true
                        return true
                    }
                    if Task.isCancelled { return false }
                    state.waiters.append((id, continuation))
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            waiter?.resume(returning: false)
        }
    }

    /// Hands the gate to the next waiter, or opens it.
    func release() {
        let next = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            if state.waiters.isEmpty {
                state.locked = false
                return nil
            }
            return state.waiters.removeFirst().continuation
        }
        next?.resume(returning: true)
    }
}
