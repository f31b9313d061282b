import CSQLite

/// What a failed SQLite call's result code says went wrong, so that the adapters above this layer
/// map SQLite failures to their own error codes without importing `CSQLite`.
///
/// Classifies by the primary result code (the low byte of an extended one); codes that no adapter
/// tells apart are `.other`. A value type: safe to use from any thread.
package enum SQLiteResultKind: Sendable, Equatable {
    /// `SQLITE_CONSTRAINT`: a constraint (in Keel's schemas, a unique key) was violated.
    case constraint
    /// `SQLITE_NOTADB`: the file is not a SQLite database.
    case notADatabase
    /// `SQLITE_CORRUPT`: the database file is damaged.
    case corrupt
    /// `SQLITE_BUSY`: another connection holds a conflicting lock.
    case busy
    /// `SQLITE_LOCKED`: a conflict within the same connection or shared cache.
    case locked
    /// `SQLITE_IOERR`: the operating system reported an I/O error.
    case ioError
    /// `SQLITE_FULL`: the disk (or the database's size limit) is full.
    case full
    /// `SQLITE_CANTOPEN`: the database (or a journal) file cannot be opened.
    case cannotOpen
    /// `SQLITE_READONLY`: a write to a database that cannot be written.
    case readOnly
    /// Any other result code.
    case other

    /// `resultCode` may be a primary or an extended result code.
    package init(resultCode: Int32) {
        switch resultCode & 0xff {
        case SQLITE_CONSTRAINT: self = .constraint
        case SQLITE_NOTADB: self = .notADatabase
        case SQLITE_CORRUPT: self = .corrupt
        case SQLITE_BUSY: self = .busy
        case SQLITE_LOCKED: self = .locked
        case SQLITE_IOERR: self = .ioError
        case SQLITE_FULL: self = .full
        case SQLITE_CANTOPEN: self = .cannotOpen
        case SQLITE_READONLY: self = .readOnly
        default: self = .other
        }
    }
}
