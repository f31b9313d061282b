import CSQLite

/// A prepared statement. Owned by its connection's thread.
///
/// The per-row accessors are `@inlinable` so the embedded log's and store's scan loops inline
/// them across the module boundary, as they did when each had its own copy.
package final class SQLiteStatement<Failure: SQLiteFailure> {
    @usableFromInline package let raw: OpaquePointer
    @usableFromInline package unowned let connection: SQLiteConnection<Failure>

    package init(_ raw: OpaquePointer, connection: SQLiteConnection<Failure>) {
        self.raw = raw
        self.connection = connection
    }

    deinit { sqlite3_finalize(raw) }

    @inlinable package func reset() {
        sqlite3_reset(raw)
        sqlite3_clear_bindings(raw)
    }

    @inlinable package func bind(_ index: Int32, _ value: Int64) {
        sqlite3_bind_int64(raw, index, value)
    }

    @inlinable package func bind(_ index: Int32, _ value: Int64?) {
        if let value { sqlite3_bind_int64(raw, index, value) } else { sqlite3_bind_null(raw, index) }
    }

    @inlinable package func bind(_ index: Int32, _ value: String) {
        sqlite3_bind_text(raw, index, value, -1, sqliteTransient)
    }

    @inlinable package func bindNull(_ index: Int32) {
        sqlite3_bind_null(raw, index)
    }

    /// Binds bytes without copying: the buffer must stay valid until the statement is stepped
    /// and reset. An empty buffer binds a zero-length BLOB, which is distinct from NULL.
    @inlinable package func bindBlobNoCopy(_ index: Int32, _ buffer: UnsafeRawBufferPointer) {
        if buffer.isEmpty || buffer.baseAddress == nil {
            sqlite3_bind_zeroblob(raw, index, 0)
        } else {
            sqlite3_bind_blob64(raw, index, buffer.baseAddress, sqlite3_uint64(buffer.count), nil)  // SQLITE_STATIC
        }
    }

    /// Binds a copy of `bytes` (nil → NULL, [] → empty BLOB).
    package func bindBlob(_ index: Int32, _ bytes: [UInt8]?) {
        guard let bytes else { sqlite3_bind_null(raw, index); return }
        if bytes.isEmpty { sqlite3_bind_zeroblob(raw, index, 0); return }
        _ = bytes.withUnsafeBytes { sqlite3_bind_blob64(raw, index, $0.baseAddress, sqlite3_uint64($0.count), sqliteTransient) }
    }

    /// Steps once; `true` when a row is available.
    @inlinable package func step() throws(Failure) -> Bool {
        let rc = sqlite3_step(raw)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        let error = connection.error(rc, "statement failed")
        sqlite3_reset(raw)
        throw error
    }

    /// Steps to completion, then resets.
    package func run() throws(Failure) {
        defer { reset() }
        while try step() {}
    }

    @inlinable package func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(raw, column) }
    @inlinable package func isNull(_ column: Int32) -> Bool { sqlite3_column_type(raw, column) == SQLITE_NULL }

    package func string(_ column: Int32) -> String? {
        guard let text = sqlite3_column_text(raw, column) else { return nil }
        return String(cString: text)
    }

    /// The column as bytes: NULL → nil, zero-length BLOB → [].
    @inlinable package func bytes(_ column: Int32) -> [UInt8]? {
        if sqlite3_column_type(raw, column) == SQLITE_NULL { return nil }
        let pointer = sqlite3_column_blob(raw, column)
        let count = Int(sqlite3_column_bytes(raw, column))
        guard let pointer, count > 0 else { return [] }
        return [UInt8](UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// Calls `body` with the column's bytes in place (valid only during the call).
    @inlinable package func withBytes<T, E: Error>(_ column: Int32, _ body: (UnsafeRawBufferPointer?) throws(E) -> T) throws(E) -> T {
        if sqlite3_column_type(raw, column) == SQLITE_NULL { return try body(nil) }
        let pointer = sqlite3_column_blob(raw, column)
        let count = Int(sqlite3_column_bytes(raw, column))
        return try body(UnsafeRawBufferPointer(start: count > 0 ? pointer : nil, count: count))
    }
}

/// SQLite's "copy this now" destructor constant (not importable from C as a macro).
@usableFromInline package let sqliteTransient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
