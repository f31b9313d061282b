import KeelLog
import KeelSQLite

// The embedded log's view of the shared SQLite layer: the same types, throwing `EventLogError`.
typealias SQLiteConnection = KeelSQLite.SQLiteConnection<EventLogError>
typealias SQLiteStatement = KeelSQLite.SQLiteStatement<EventLogError>
typealias ReaderPool = KeelSQLite.SQLiteReaderPool<EventLogError>

extension EventLogError: SQLiteFailure {
    /// A file that is not a database (or is damaged) is the caller's wrong path; the rest is ours.
    package static func sqlite(_ rc: Int32, _ message: String) -> EventLogError {
        switch SQLiteResultKind(resultCode: rc) {
        case .notADatabase, .corrupt: EventLogError(.invalidArgument, message)
        default: EventLogError(.internalError, message)
        }
    }

    package static func unavailable(_ message: String) -> EventLogError { EventLogError(.unreachable, message) }
    package static func locked(_ message: String) -> EventLogError { EventLogError(.locked, message) }
    package static func closed(_ message: String) -> EventLogError { EventLogError(.closed, message) }
}
