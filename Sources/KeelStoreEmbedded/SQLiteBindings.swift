import KeelSQLite
import KeelStore

// The embedded store's view of the shared SQLite layer: the same types, throwing `StoreError`.
typealias SQLiteConnection = KeelSQLite.SQLiteConnection<StoreError>
typealias SQLiteStatement = KeelSQLite.SQLiteStatement<StoreError>
typealias ReaderPool = KeelSQLite.SQLiteReaderPool<StoreError>
typealias InlineReaders = KeelSQLite.SQLiteInlineReaders<StoreError>

extension StoreError: SQLiteFailure {
    /// Constraint violations are `.duplicateKey` (the only constraints are unique keys), a file
    /// that is not a database `.invalidRequest`, busy/IO trouble `.unavailable`.
    package static func sqlite(_ rc: Int32, _ message: String) -> StoreError {
        let code: StoreError.Code
        switch SQLiteResultKind(resultCode: rc) {
        case .constraint: code = .duplicateKey
        case .notADatabase, .corrupt: code = .invalidRequest
        case .busy, .locked, .ioError, .full, .cannotOpen, .readOnly: code = .unavailable
        case .other: code = .internalError
        }
        return StoreError(code, message)
    }

    package static func unavailable(_ message: String) -> StoreError { StoreError(.unavailable, message) }
    package static func locked(_ message: String) -> StoreError { StoreError(.locked, message) }
    package static func closed(_ message: String) -> StoreError { StoreError(.closed, message) }
}
