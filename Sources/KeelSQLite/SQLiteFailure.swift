/// How an adapter's own error type represents SQLite failures. The embedded log and the embedded
/// store share this SQLite layer but keep their own error types (`EventLogError`, `StoreError`):
/// each conforms and decides which of its codes a SQLite result code becomes.
package protocol SQLiteFailure: Error {
    /// A failed SQLite call: `rc` is the extended result code, `message` says what and where.
    static func sqlite(_ rc: Int32, _ message: String) -> Self
    /// A database or lock file that cannot be opened (missing directory, permissions, I/O).
    static func unavailable(_ message: String) -> Self
    /// Another process holds the writer lock.
    static func locked(_ message: String) -> Self
    /// Work submitted after shutdown.
    static func closed(_ message: String) -> Self
}
