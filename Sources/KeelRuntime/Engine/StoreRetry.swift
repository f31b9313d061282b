import KeelStore
import Logging
import ServiceLifecycle

/// Retries an operation against the store (or the log) while it is unavailable: capped
/// exponential backoff, ONE warning when work pauses and one notice when it resumes — an outage
/// is a pause, never a skip.
///
/// Only `StoreError.closed` and cancellation end the retries (the process is going away);
/// everything else is retried, because giving up would mean skipping work.
struct Backoff: Sendable {
    var initial: Duration = .milliseconds(100)
    var maximum: Duration = .seconds(30)

    func run<T: Sendable>(_ what: String, logger: Logger, _ operation: () async throws -> T) async throws -> T {
        var delay = initial
        var attempts = 0
        while true {
            do {
                let value = try await operation()
                if attempts > 0 {
                    logger.notice("resumed after failed attempts", metadata: ["operation": "\(what)", "attempts": "\(attempts)"])
                }
                return value
            } catch let error as StoreError where error.code == .closed {
                throw error
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                if attempts == 0 {
                    logger.warning(
                        "paused; retrying with backoff",
                        metadata: ["operation": "\(what)", "error": "\(error)", "max_backoff": "\(maximum)"])
                } else {
                    logger.debug("attempt failed", metadata: ["operation": "\(what)", "attempt": "\(attempts + 1)", "error": "\(error)"])
                }
                attempts += 1
                try await Task.sleep(for: delay)
                delay = min(delay * 2, maximum)
            }
        }
    }
}
