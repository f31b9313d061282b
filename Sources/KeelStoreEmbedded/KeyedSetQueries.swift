import KeelCore
import KeelStore

/// Reads of keyed sets (`KeyedSetLayout`), on any connection. An entry is visible while its
/// `expires` lies ahead; at most one entry per id is.
extension StoreQueries {
    /// The layout of a physical collection, or nil when it is an ordinary one.
    static func keyedSetLayout(_ db: SQLiteConnection, collection: String) throws(StoreError) -> KeyedSetLayout? {
        let select = try db.statement("SELECT time_field, retention_ms, bucket_ms FROM keyed_sets WHERE coll = ?1")
        select.bind(1, collection)
        defer { select.reset() }
        guard try select.step() else { return nil }
        return KeyedSetLayout(timeField: select.string(0) ?? "", retentionMs: select.int64(1), bucketMs: select.int64(2))
    }

    /// One probe per live bucket (a handful), each a primary-key look-up.
    static func findKeyed(_ db: SQLiteConnection, collection: String, id: String, now: Int64) throws(StoreError) -> Document? {
        let select = try db.statement(
            """
            SELECT body FROM kset WHERE coll = ?1 AND id = ?3 AND expires > ?2
            AND bucket IN (SELECT bucket FROM kset_buckets WHERE coll = ?1 AND expires > ?2) LIMIT 1
            """)
        select.bind(1, collection)
        select.bind(2, now)
        select.bind(3, id)
        defer { select.reset() }
        guard try select.step() else { return nil }
        return try decode(select, 0)
    }

    /// The visible entries in id order from `afterID` (exclusive), until `body` returns false.
    static func scanKeyed(
        _ db: SQLiteConnection, collection: String, now: Int64, afterID: String?, _ body: (Document) throws(StoreError) -> Bool
    ) throws(StoreError) {
        let select = try db.statement(
            afterID == nil
                ? "SELECT body FROM kset WHERE coll = ?1 AND expires > ?2 ORDER BY id"
                : "SELECT body FROM kset WHERE coll = ?1 AND expires > ?2 AND id > ?3 ORDER BY id")
        select.bind(1, collection)
        select.bind(2, now)
        if let afterID { select.bind(3, afterID) }
        defer { select.reset() }
        while try select.step() {
            guard try body(try decode(select, 0)) else { return }
        }
    }

    static func countKeyed(_ db: SQLiteConnection, collection: String, now: Int64) throws(StoreError) -> Int {
        let select = try db.statement("SELECT count(*) FROM kset WHERE coll = ?1 AND expires > ?2")
        select.bind(1, collection)
        select.bind(2, now)
        defer { select.reset() }
        return try select.step() ? Int(select.int64(0)) : 0
    }
}
