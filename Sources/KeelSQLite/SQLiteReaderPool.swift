import Foundation
import Logging

/// A few dedicated threads, each with its own read-only SQLite connection, that serve reads so
/// that a scan or a query never blocks Swift's cooperative thread pool. WAL mode lets them read
/// beside the writer. (Point look-ups borrow a connection on the caller's thread instead:
/// `SQLiteInlineReaders`.)
///
/// NOTE `@unchecked Sendable`: the mutable state (`jobs`, `stopping`, `running`) is only touched
/// while holding `condition`; connections never leave the thread that opened them.
package final class SQLiteReaderPool<Failure: SQLiteFailure>: @unchecked Sendable {
    typealias Job = (SQLiteConnection<Failure>?, Failure?) -> Void

    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var stopping = false
    private var running = 0
    private var exitWaiters: [CheckedContinuation<Void, Never>] = []
    private let label: String

    /// `label` names the threads (`keel-<label>-reader-N`) and the messages (`the embedded <label>`).
    package init(databasePath: String, threads: Int, label: String, logger: Logger) {
        self.label = label
        running = threads
        for index in 0..<threads {
            let thread = Thread { [self] in
                // A connection that cannot open still serves jobs, by failing them clearly.
                var connection: SQLiteConnection<Failure>?
                var openError: Failure?
                do throws(Failure) {
                    connection = try SQLiteConnection<Failure>.openReader(path: databasePath)
                } catch {
                    openError = error
                    logger.error("embedded \(label) reader could not open \(databasePath): \(error)")
                }
                self.loop(connection, openError)
            }
            thread.name = "keel-\(label)-reader-\(index)"
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    private func loop(_ connection: SQLiteConnection<Failure>?, _ openError: Failure?) {
        var connection = connection
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty && stopping {
                running -= 1
                let waiters = running == 0 ? exitWaiters : []
                condition.unlock()
                connection = nil  // close on this thread
                for waiter in waiters { waiter.resume() }
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job(connection, openError)
        }
    }

    /// Runs `body` on a reader thread and returns its result.
    package func run<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection<Failure>) throws(Failure) -> T) async throws -> T {
        let label = self.label
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job: Job = { connection, openError in
                guard let connection else {
                    continuation.resume(throwing: openError ?? Failure.closed("the embedded \(label) reader is closed"))
                    return
                }
                do {
                    continuation.resume(returning: try body(connection))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            condition.lock()
            if stopping {
                condition.unlock()
                continuation.resume(throwing: Failure.closed("the embedded \(label) was shut down"))
                return
            }
            jobs.append(job)
            condition.signal()
            condition.unlock()
        }
    }

    /// Lets queued jobs finish, then stops the threads and closes their connections.
    package func stop() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            condition.lock()
            stopping = true
            if running == 0 {
                condition.unlock()
                continuation.resume()
                return
            }
            exitWaiters.append(continuation)
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Signals the threads to stop without waiting (from `deinit`).
    package func stopNow() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }
}
