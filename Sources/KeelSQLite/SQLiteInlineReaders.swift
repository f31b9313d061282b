import Synchronization

/// A few read-only connections that short point reads borrow on the caller's own thread.
///
/// Why: handing a read of one or two index entries to a reader thread costs two thread
/// wake-ups (there and back), several times the read itself. The request path of the gateway
/// (its dedupe look-up) makes such a read on every request. Only reads bounded by a handful of
/// primary-key probes belong here; scans and queries stay on `SQLiteReaderPool`'s threads, so a
/// long read never holds a thread of Swift's cooperative pool.
///
/// Guarantees: a connection is used by one caller at a time (checked out under the lock, checked
/// back in after). At most `limit` connections are opened, lazily; when all are in use,
/// `read` returns `nil` and the caller goes to the reader threads instead. After `close()`,
/// idle connections are closed at once and busy ones when they come back.
package final class SQLiteInlineReaders<Failure: SQLiteFailure>: Sendable {
    /// NOTE `@unchecked Sendable`: the connection is only touched by whoever holds it checked
    /// out, and check-out and check-in go through `state`'s lock.
    private final class Lease: @unchecked Sendable {
        let connection: SQLiteConnection<Failure>
        init(_ connection: SQLiteConnection<Failure>) { self.connection = connection }
    }

    private struct State {
        var idle: [Lease] = []
        var opened = 0
        var closed = false
    }

    private let databasePath: String
    private let limit: Int
    private let state = Mutex(State())

    package init(databasePath: String, limit: Int) {
        self.databasePath = databasePath
        self.limit = limit
    }

    /// Runs `body` here with a borrowed connection; `nil` when none is free (or they are closed).
    package func read<T>(_ body: (SQLiteConnection<Failure>) throws(Failure) -> T) throws(Failure) -> T? {
        guard let lease = checkOut() else { return nil }
        defer { checkIn(lease) }
        return try body(lease.connection)
    }

    /// Closes idle connections now and the others as they are checked in.
    package func close() {
        let idle = state.withLock { state -> [Lease] in
            state.closed = true
            defer { state.idle.removeAll() }
            return state.idle
        }
        _ = idle  // released here, outside the lock
    }

    private enum Step {
        case use(Lease)
        case open, none
    }

    private func checkOut() -> Lease? {
        let step = state.withLock { state -> Step in
            if state.closed { return .none }
            if let lease = state.idle.popLast() { return .use(lease) }
            guard state.opened < limit else { return .none }
            state.opened += 1
            return .open
        }
        switch step {
        case .use(let lease):
            return lease
        case .none:
            return nil
        case .open:
            do throws(Failure) {
                return Lease(try SQLiteConnection<Failure>.openReader(path: databasePath))
            } catch {
                // The reader threads will report the failure on their own path.
                state.withLock { $0.opened -= 1 }
                return nil
            }
        }
    }

    private func checkIn(_ lease: Lease) {
        state.withLock { state in
            if !state.closed { state.idle.append(lease) }
        }
    }
}
