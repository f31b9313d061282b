import Synchronization

/// A step of a test that took longer than it may.
public struct DeadlineExceeded: Error, CustomStringConvertible {
    public let step: String
    public let limit: Duration
    public var description: String { "\(step) did not finish within \(limit)" }

    public init(step: String, limit: Duration) {
        self.step = step
        self.limit = limit
    }
}

/// Runs `body`, or throws `DeadlineExceeded` once `limit` has passed.
///
/// Why not a task group: a group waits for every child, so a body stuck in a wait that ignores
/// cancellation would hang the test (and the whole run) instead of failing it. Here the body
/// runs in a task of its own that is cancelled, not awaited, when the deadline wins: the test
/// fails with the step's name and the run goes on.
public func withDeadline<T: Sendable>(
    _ limit: Duration, _ step: String, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    let outcome = Mutex<CheckedContinuation<T, any Error>?>(nil)
    let work = Task { try await body() }
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            outcome.withLock { $0 = continuation }
            let finish: @Sendable (Result<T, any Error>) -> Void = { result in
                outcome.withLock { pending in
                    pending?.resume(with: result)
                    pending = nil
                }
            }
            let timer = Task {
                try await Task.sleep(for: limit)
                work.cancel()
                finish(.failure(DeadlineExceeded(step: step, limit: limit)))
            }
            Task {
                let result = await work.result
                timer.cancel()
                finish(result)
            }
        }
    } onCancel: {
        work.cancel()
    }
}
