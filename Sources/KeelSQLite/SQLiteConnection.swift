import CSQLite

/// A thin, allocation-conscious wrapper over one SQLite connection, throwing `Failure`.
///
/// Not thread-safe: a connection is used by one thread at a time (the writer's thread, or
/// whichever reader checked it out), which is why it is not `Sendable`.
package final class SQLiteConnection<Failure: SQLiteFailure> {
    package let handle: OpaquePointer
    package let path: String
    private var statements: [String: SQLiteStatement<Failure>] = [:]

    package init(path: String, readOnly: Bool) throws(Failure) {
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)) | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            if let db { sqlite3_close_v2(db) }
            throw Failure.unavailable("cannot open the database \(path): \(message)")
        }
        handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, 10_000)
    }

    /// The one read-write connection of an embedded directory: WAL journal (readers in other
    /// connections and processes read beside it), `synchronous=FULL` when every commit must
    /// survive power loss (`NORMAL`: survives a process crash), and generous caches.
    package static func openWriter(path: String, durableCommits: Bool) throws(Failure) -> SQLiteConnection<Failure> {
        let db = try SQLiteConnection<Failure>(path: path, readOnly: false)
        try db.execute("PRAGMA journal_mode=WAL")
        try db.execute(
            """
            PRAGMA synchronous=\(durableCommits ? "FULL" : "NORMAL");
            PRAGMA cache_size=-65536; PRAGMA wal_autocheckpoint=4096;
            PRAGMA journal_size_limit=67108864; PRAGMA temp_store=MEMORY
            """)
        return db
    }

    /// A read-only connection for a reader: generous page cache, memory-mapped reads. The
    /// reader threads' connections and the ones lent for point look-ups are opened alike.
    package static func openReader(path: String) throws(Failure) -> SQLiteConnection<Failure> {
        let db = try SQLiteConnection<Failure>(path: path, readOnly: true)
        try db.execute("PRAGMA cache_size=-32768; PRAGMA mmap_size=1073741824; PRAGMA temp_store=MEMORY")
        return db
    }

    /// Whether the database has any table yet (a new file has none).
    package func hasTables() throws(Failure) -> Bool {
        let count = try statement("SELECT count(*) FROM sqlite_master")
        defer { count.reset() }
        return try count.step() && count.int64(0) > 0
    }

    deinit {
        statements.removeAll()  // finalize before closing
        sqlite3_close_v2(handle)
    }

    package var errorMessage: String { String(cString: sqlite3_errmsg(handle)) }

    package func error(_ rc: Int32, _ context: String) -> Failure {
        Failure.sqlite(rc, "\(context) (\(path)): \(errorMessage) [sqlite \(rc)]")
    }

    /// Runs one or more statements that return no rows.
    package func execute(_ sql: String) throws(Failure) {
        var errmsg: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errmsg)
        if rc != SQLITE_OK {
            let message = errmsg.map { String(cString: $0) } ?? errorMessage
            sqlite3_free(errmsg)
            throw Failure.sqlite(rc, "\(message) (\(path)) [sqlite \(rc)] in: \(sql.prefix(80))")
        }
    }

    /// A prepared statement, cached by its SQL text for the life of the connection.
    package func statement(_ sql: String) throws(Failure) -> SQLiteStatement<Failure> {
        if let cached = statements[sql] { return cached }
        var raw: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &raw, nil)
        guard rc == SQLITE_OK, let raw else { throw error(rc, "cannot prepare \(sql.prefix(60))") }
        let statement = SQLiteStatement<Failure>(raw, connection: self)
        statements[sql] = statement
        return statement
    }

    /// Drops cached statements whose SQL mentions `fragment` (after a table is dropped).
    package func forgetStatements(containing fragment: String) {
        for key in statements.keys where key.contains(fragment) { statements[key] = nil }
    }

    package var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    package var changes: Int { Int(sqlite3_changes64(handle)) }

    /// Runs `body` inside a read transaction so that several statements see one snapshot.
    /// `BEGIN` and `COMMIT` are prepared once per connection: this runs on every look-up.
    package func readTransaction<T>(_ body: () throws(Failure) -> T) throws(Failure) -> T {
        try executePrepared("BEGIN")
        do {
            let result = try body()
            try executePrepared("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Runs one statement that returns no rows, prepared once and cached (`execute` parses its
    /// SQL on every call): for the statements of every transaction, `BEGIN …` and `COMMIT`.
    package func executePrepared(_ sql: String) throws(Failure) {
        let prepared = try statement(sql)
        defer { prepared.reset() }
        _ = try prepared.step()
    }
}
