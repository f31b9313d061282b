import Foundation
import KeelCore
import KeelLog

/// The database layout and the read queries shared by the writer and the readers.
///
/// One SQLite database `DIR/log.db` in WAL mode:
/// - `meta(k, v)`: the format marker.
/// - `topics(id, name, partitions, replication, config)`: `id` is AUTOINCREMENT so a deleted
///   and re-created topic never reuses the tables of the old one.
/// - `partitions(topic_id, partition, next_offset, max_ts)`: the end offset (never decreases,
///   even when retention empties the table) and the largest timestamp so far.
/// - `r_<topic id>_<partition>(off INTEGER PRIMARY KEY, ts, key, value, headers)`: one table per
///   partition; the offset is the rowid, so range scans are B-tree walks in offset order.
/// - `time_index(topic_id, partition, off, max_before)`: sparse, like Kafka's time index: every
///   `timeIndexInterval` records, the largest timestamp of all records before `off`.
/// - `group_offsets(grp, topic, partition, off)`: committed positions of consumer groups.
enum Storage {
    static let databaseName = "log.db"
    static let lockName = "writer.lock"
    static let notifyName = "notify"
    static let format = "keel-embedded-log/1"
    static let timeIndexInterval: Int64 = 4096

    static let schema = """
        CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS topics(
            id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE,
            partitions INTEGER NOT NULL, replication INTEGER NOT NULL, config TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS partitions(
            topic_id INTEGER NOT NULL, partition INTEGER NOT NULL,
            next_offset INTEGER NOT NULL, max_ts INTEGER NOT NULL,
            PRIMARY KEY(topic_id, partition)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS time_index(
            topic_id INTEGER NOT NULL, partition INTEGER NOT NULL, off INTEGER NOT NULL, max_before INTEGER NOT NULL,
            PRIMARY KEY(topic_id, partition, off)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS group_offsets(
            grp TEXT NOT NULL, topic TEXT NOT NULL, partition INTEGER NOT NULL, off INTEGER NOT NULL,
            PRIMARY KEY(grp, topic, partition)) WITHOUT ROWID;
        INSERT OR IGNORE INTO meta(k, v) VALUES('format', '\(format)');
        """

    static func table(_ topicID: Int64, _ partition: Int32) -> String { "r_\(topicID)_\(partition)" }

    struct TopicRow: Sendable, Hashable {
        var id: Int64
        var name: String
        var partitions: Int32
        var replication: Int16
        var config: [String: String]
    }

    static func encodeConfig(_ config: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(config)).flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
    }

    static func decodeConfig(_ text: String?) -> [String: String] {
        guard let text, let data = text.data(using: .utf8) else { return [:] }
        return (try? JSONDecoder().decode([String: String].self, from: data)) ?? [:]
    }

    /// Checks that the database is a Keel embedded log (and readable at all).
    static func checkFormat(_ db: SQLiteConnection) throws(EventLogError) {
        let statement: SQLiteStatement
        do {
            statement = try db.statement("SELECT v FROM meta WHERE k = 'format'")
        } catch {
            throw EventLogError(.invalidArgument, "\(db.path) is not a Keel embedded log: \(error.message)")
        }
        defer { statement.reset() }
        guard try statement.step(), let value = statement.string(0) else {
            throw EventLogError(.invalidArgument, "\(db.path) is not a Keel embedded log (no format marker)")
        }
        guard value == format else {
            throw EventLogError(.invalidArgument, "\(db.path) has format \(value); this build reads \(format)")
        }
    }

    // MARK: Reads (any connection, any thread that owns it)

    static func topic(_ db: SQLiteConnection, named name: String) throws(EventLogError) -> TopicRow? {
        let statement = try db.statement("SELECT id, partitions, replication, config FROM topics WHERE name = ?1")
        defer { statement.reset() }
        statement.bind(1, name)
        guard try statement.step() else { return nil }
        return TopicRow(
            id: statement.int64(0), name: name, partitions: Int32(statement.int64(1)),
            replication: Int16(statement.int64(2)), config: decodeConfig(statement.string(3)))
    }

    static func allTopics(_ db: SQLiteConnection) throws(EventLogError) -> [TopicRow] {
        let statement = try db.statement("SELECT id, name, partitions, replication, config FROM topics ORDER BY name")
        defer { statement.reset() }
        var rows: [TopicRow] = []
        while try statement.step() {
            rows.append(
                TopicRow(
                    id: statement.int64(0), name: statement.string(1) ?? "", partitions: Int32(statement.int64(2)),
                    replication: Int16(statement.int64(3)), config: decodeConfig(statement.string(4))))
        }
        return rows
    }

    /// The first retained offset and the end offset (next to be written) of a partition.
    static func bounds(_ db: SQLiteConnection, _ topicID: Int64, _ partition: Int32) throws(EventLogError) -> (start: Int64, end: Int64) {
        let endStatement = try db.statement("SELECT next_offset FROM partitions WHERE topic_id = ?1 AND partition = ?2")
        endStatement.bind(1, topicID)
        endStatement.bind(2, Int64(partition))
        let end = try endStatement.step() ? endStatement.int64(0) : 0
        endStatement.reset()
        let startStatement = try db.statement("SELECT min(off) FROM \(table(topicID, partition))")
        defer { startStatement.reset() }
        let start = try startStatement.step() && !startStatement.isNull(0) ? startStatement.int64(0) : end
        return (start, end)
    }

    /// The first offset whose timestamp is at or after `timestampMs`, or the end offset.
    /// Uses the sparse time index to skip to the right chunk, then scans at most one chunk.
    static func offset(_ db: SQLiteConnection, _ topicID: Int64, _ partition: Int32, atTimestampMs timestampMs: Int64) throws(EventLogError) -> Int64
    {
        let (start, end) = try bounds(db, topicID, partition)
        let indexStatement = try db.statement(
            "SELECT off FROM time_index WHERE topic_id = ?1 AND partition = ?2 AND max_before < ?3 ORDER BY off DESC LIMIT 1")
        indexStatement.bind(1, topicID)
        indexStatement.bind(2, Int64(partition))
        indexStatement.bind(3, timestampMs)
        let chunk = try indexStatement.step() ? indexStatement.int64(0) : 0
        indexStatement.reset()
        let scan = try db.statement("SELECT off FROM \(table(topicID, partition)) WHERE off >= ?1 AND ts >= ?2 ORDER BY off LIMIT 1")
        defer { scan.reset() }
        scan.bind(1, max(chunk, start))
        scan.bind(2, timestampMs)
        return try scan.step() ? scan.int64(0) : end
    }

    static func committed(_ db: SQLiteConnection, group: String, _ partitions: [TopicPartition]) throws(EventLogError) -> [TopicPartition: Int64] {
        let statement = try db.statement("SELECT off FROM group_offsets WHERE grp = ?1 AND topic = ?2 AND partition = ?3")
        var result: [TopicPartition: Int64] = [:]
        for tp in partitions {
            statement.bind(1, group)
            statement.bind(2, tp.topic)
            statement.bind(3, Int64(tp.partition))
            if try statement.step() { result[tp] = statement.int64(0) }
            statement.reset()
        }
        return result
    }

    /// Reads up to `limit` records of one partition from `offset`, in offset order.
    static func fetch(
        _ db: SQLiteConnection, topic: String, topicID: Int64, partition: Int32, from offset: Int64, limit: Int,
        into records: inout [ConsumedRecord]
    ) throws(EventLogError) -> Int {
        let statement = try db.statement(
            "SELECT off, ts, key, value, headers FROM \(table(topicID, partition)) WHERE off >= ?1 ORDER BY off LIMIT ?2")
        defer { statement.reset() }
        statement.bind(1, offset)
        statement.bind(2, Int64(limit))
        var count = 0
        while try statement.step() {
            let headers = statement.withBytes(4) { HeaderCodec.decode($0) }
            guard let headers else {
                throw EventLogError(.internalError, "corrupt headers at \(topic)[\(partition)]@\(statement.int64(0)) in \(db.path)")
            }
            records.append(
                ConsumedRecord(
                    topic: topic, partition: partition, offset: statement.int64(0), timestampMs: statement.int64(1),
                    key: statement.bytes(2), value: statement.bytes(3), headers: headers))
            count += 1
        }
        return count
    }

    static func nowMs() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }

    /// Kafka's legal topic names: `[a-zA-Z0-9._-]{1,249}`, not `.` or `..`.
    static func validateTopicName(_ name: String) throws(EventLogError) {
        let legal =
            !name.isEmpty && name.utf8.count <= 249 && name != "." && name != ".."
            && name.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
                    || byte == 0x2e || byte == 0x5f || byte == 0x2d
            }
        if !legal {
            throw EventLogError(.invalidArgument, "illegal topic name '\(name)': use 1 to 249 of [a-zA-Z0-9._-] (not '.' or '..')")
        }
    }
}
