import KeelCore
import Logging
import Synchronization

/// A few threads (a `BlockingExecutor`) and as many read-only SQLite connections that serve reads
/// so that a scan or a query never blocks Swift's cooperative thread pool. WAL mode lets them read
/// beside the writer. (Point look-ups borrow a connection on the caller's thread instead:
/// `SQLiteInlineReaders`.)
///
/// Guarantees: at most `threads` reads run at once, started in submission order, each with a
/// connection of its own for its duration (checked out under a lock, checked back in after, so a
/// connection is never used by two threads at once). Connections are opened lazily, at most one
/// per thread; one that cannot open fails the read with the opening error. A queued read is not
/// cancelled with its task (reads are short and callers expect them to finish, e.g. a cancelled
/// consumer poll still returns normally). After `stop()` reads fail with `closed`.
package final class SQLiteReaderPool<Failure: SQLiteFailure>: Sendable {
    /// NOTE `@unchecked Sendable`: the connection is only touched by the job that holds the lease
    /// checked out, and check-out and check-in go through `idle`'s lock.
    private final class Lease: @unchecked Sendable {
        let connection: SQLiteConnection<Failure>
        init(_ connection: SQLiteConnection<Failure>) { self.connection = connection }
    }

    /// Reads waiting for a thread beyond this many are refused (`unavailable`): the database
    /// cannot keep up, and failing fast beats an unbounded backlog.
    package static var queueLimit: Int { 10_000 }

    private let executor: BlockingExecutor
    private let idle = Mutex<[Lease]>([])
    private let databasePath: String
    private let label: String
    private let logger: Logger
    private let reportedOpenFailure = Atomic<Bool>(false)

    /// `label` names the threads (`keel-<label>-reader-N`) and the messages (`the embedded <label>`).
    package init(databasePath: String, threads: Int, label: String, logger: Logger) {
        self.databasePath = databasePath
        self.label = label
        self.logger = logger
        executor = BlockingExecutor(name: "keel-\(label)-reader", threadCount: threads, queueLimit: Self.queueLimit, stackSize: 1 << 20) {
            refusal in
            switch refusal.reason {
            case .shutDown: Failure.closed("the embedded \(label) was shut down")
            case .queueFull: Failure.unavailable("the embedded \(label) cannot keep up with reads: \(refusal)")
            }
        }
    }

    /// Runs `body` on a reader thread with a connection and returns its result.
    package func run<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection<Failure>) throws(Failure) -> T) async throws -> T {
        try await executor.run(cancellable: false) { [self] () throws -> T in
            let lease = try checkOut()
            defer { idle.withLock { $0.append(lease) } }
            return try body(lease.connection)
        }
    }

    /// On a reader thread: an idle connection, or a new one (there is never more than one per thread).
    private func checkOut() throws(Failure) -> Lease {
        if let lease = idle.withLock({ $0.popLast() }) { return lease }
        do throws(Failure) {
            return Lease(try SQLiteConnection<Failure>.openReader(path: databasePath))
        } catch {
            if !reportedOpenFailure.exchange(true, ordering: .relaxed) {
                logger.error("embedded \(label) reader could not open \(databasePath): \(error)")
            }
            throw error
        }
    }

    /// Lets queued reads finish, then stops the threads and closes the connections (on the last
    /// thread to exit).
    package func stop() async {
        await executor.shutdown { [self] in closeIdle() }
    }

    /// Stops the threads without waiting (from `deinit`); a last job closes the connections.
    package func stopNow() {
        try? executor.execute { [self] in closeIdle() }
        executor.shutdown()
    }

    private func closeIdle() {
        let leases = idle.withLock { idle in
            defer { idle.removeAll() }
            return idle
        }
        _ = leases  // released here, outside the lock
    }
}
