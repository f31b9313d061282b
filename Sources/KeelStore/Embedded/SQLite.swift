import CSQLite
import Foundation

/// A thin, allocation-conscious wrapper over one SQLite connection.
///
/// Not thread-safe: every `SQLiteConnection` is owned by exactly one thread (the writer thread
/// or one reader thread) for its whole life, which is why it is not `Sendable`.
final class SQLiteConnection {
    let handle: OpaquePointer
    let path: String
    private var statements: [String: SQLiteStatement] = [:]

    init(path: String, readOnly: Bool) throws(StoreError) {
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)) | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            if let db { sqlite3_close_v2(db) }
            throw StoreError(.unavailable, "cannot open the embedded store database \(path): \(message)")
        }
        handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, 10_000)
    }

    deinit {
        statements.removeAll()  // finalize before closing
        sqlite3_close_v2(handle)
    }

    var errorMessage: String { String(cString: sqlite3_errmsg(handle)) }

    func error(_ rc: Int32, _ context: String) -> StoreError {
        StoreError(Self.code(rc), "\(context) (\(path)): \(errorMessage) [sqlite \(rc)]")
    }

    /// Constraint violations map to `.duplicateKey` (the only constraints are unique keys),
    /// a file that is not a database to `.invalidRequest`, busy/IO trouble to `.unavailable`.
    static func code(_ rc: Int32) -> StoreError.Code {
        switch rc & 0xff {
        case SQLITE_CONSTRAINT: .duplicateKey
        case SQLITE_NOTADB, SQLITE_CORRUPT: .invalidRequest
        case SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_READONLY: .unavailable
        default: .internalError
        }
    }

    /// Runs one or more statements that return no rows.
    func execute(_ sql: String) throws(StoreError) {
        var errmsg: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errmsg)
        if rc != SQLITE_OK {
            let message = errmsg.map { String(cString: $0) } ?? errorMessage
            sqlite3_free(errmsg)
            throw StoreError(Self.code(rc), "\(message) (\(path)) [sqlite \(rc)] in: \(sql.prefix(80))")
        }
    }

    /// A prepared statement, cached by its SQL text for the life of the connection.
    func statement(_ sql: String) throws(StoreError) -> SQLiteStatement {
        if let cached = statements[sql] { return cached }
        var raw: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &raw, nil)
        guard rc == SQLITE_OK, let raw else { throw error(rc, "cannot prepare \(sql.prefix(60))") }
        let statement = SQLiteStatement(raw, connection: self)
        statements[sql] = statement
        return statement
    }

    /// Drops cached statements whose SQL mentions `fragment` (after a table is dropped).
    func forgetStatements(containing fragment: String) {
        for key in statements.keys where key.contains(fragment) { statements[key] = nil }
    }

    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    var changes: Int { Int(sqlite3_changes64(handle)) }

    /// Runs `body` inside a read transaction so that several statements see one snapshot.
    func readTransaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try execute("BEGIN")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }
}

/// A prepared statement. Owned by its connection's thread.
final class SQLiteStatement {
    let raw: OpaquePointer
    unowned let connection: SQLiteConnection

    init(_ raw: OpaquePointer, connection: SQLiteConnection) {
        self.raw = raw
        self.connection = connection
    }

    deinit { sqlite3_finalize(raw) }

    @inline(__always) func reset() {
        sqlite3_reset(raw)
        sqlite3_clear_bindings(raw)
    }

    @inline(__always) func bind(_ index: Int32, _ value: Int64) {
        sqlite3_bind_int64(raw, index, value)
    }

    @inline(__always) func bind(_ index: Int32, _ value: Int64?) {
        if let value { sqlite3_bind_int64(raw, index, value) } else { sqlite3_bind_null(raw, index) }
    }

    @inline(__always) func bind(_ index: Int32, _ value: String) {
        sqlite3_bind_text(raw, index, value, -1, sqliteTransient)
    }

    @inline(__always) func bindNull(_ index: Int32) {
        sqlite3_bind_null(raw, index)
    }

    /// Binds bytes without copying: the buffer must stay valid until the statement is stepped
    /// and reset. An empty buffer binds a zero-length BLOB, which is distinct from NULL.
    @inline(__always) func bindBlobNoCopy(_ index: Int32, _ buffer: UnsafeRawBufferPointer) {
        if buffer.isEmpty || buffer.baseAddress == nil {
            sqlite3_bind_zeroblob(raw, index, 0)
        } else {
            sqlite3_bind_blob64(raw, index, buffer.baseAddress, sqlite3_uint64(buffer.count), nil)  // SQLITE_STATIC
        }
    }

    /// Binds a copy of `bytes` (nil → NULL, [] → empty BLOB).
    func bindBlob(_ index: Int32, _ bytes: [UInt8]?) {
        guard let bytes else { sqlite3_bind_null(raw, index); return }
        if bytes.isEmpty { sqlite3_bind_zeroblob(raw, index, 0); return }
        _ = bytes.withUnsafeBytes { sqlite3_bind_blob64(raw, index, $0.baseAddress, sqlite3_uint64($0.count), sqliteTransient) }
    }

    /// Steps once; `true` when a row is available.
    @inline(__always) func step() throws(StoreError) -> Bool {
        let rc = sqlite3_step(raw)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        let error = connection.error(rc, "statement failed")
        sqlite3_reset(raw)
        throw error
    }

    /// Steps to completion, then resets.
    func run() throws(StoreError) {
        defer { reset() }
        while try step() {}
    }

    @inline(__always) func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(raw, column) }
    @inline(__always) func isNull(_ column: Int32) -> Bool { sqlite3_column_type(raw, column) == SQLITE_NULL }

    func string(_ column: Int32) -> String? {
        guard let text = sqlite3_column_text(raw, column) else { return nil }
        return String(cString: text)
    }

    /// The column as bytes: NULL → nil, zero-length BLOB → [].
    @inline(__always) func bytes(_ column: Int32) -> [UInt8]? {
        if sqlite3_column_type(raw, column) == SQLITE_NULL { return nil }
        let pointer = sqlite3_column_blob(raw, column)
        let count = Int(sqlite3_column_bytes(raw, column))
        guard let pointer, count > 0 else { return [] }
        return [UInt8](UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// Calls `body` with the column's bytes in place (valid only during the call).
    @inline(__always) func withBytes<T, E: Error>(_ column: Int32, _ body: (UnsafeRawBufferPointer?) throws(E) -> T) throws(E) -> T {
        if sqlite3_column_type(raw, column) == SQLITE_NULL { return try body(nil) }
        let pointer = sqlite3_column_blob(raw, column)
        let count = Int(sqlite3_column_bytes(raw, column))
        return try body(UnsafeRawBufferPointer(start: count > 0 ? pointer : nil, count: count))
    }
}

/// SQLite's "copy this now" destructor constant (not importable from C as a macro).
let sqliteTransient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
