import Foundation
import KeelCore
import KeelStore

/// The embedded store's tables and the few encodings it keeps in them.
///
/// - `docs(coll, id, body, expires)`: one row per document under its *physical* collection name
///   (`activity`, `activity__g_r1`); `body` is `DocumentCodec`; `expires` (UTC ms) is set when a
///   TTL index expires the document.
/// - `uniq(coll, idx, key, id)`: the keys of unique indexes; the primary key enforces uniqueness.
/// - `indexes(coll, name, spec)`: declared indexes.
/// - `keyed_sets(coll, time_field, retention_ms, bucket_ms)`, `kset(coll, bucket, id, expires, body)`
///   and `kset_buckets(coll, bucket, expires)`: the collections declared keyed sets and their
///   entries, clustered by time bucket (`KeyedSetLayout`); such a collection has no `docs` rows.
/// - `generations(projection, generation)` (`''` = live) and
///   `checkpoints(projection, generation, topic, partition, next_offset)`.
enum StoreSchema {
    static let databaseName = "store.db"
    static let lockName = "writer.lock"
    static let format = "keel-store-1"
    /// The `generation` column value of the live generation.
    static let live = ""

    static let schema = """
        CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        INSERT OR IGNORE INTO meta(key, value) VALUES('format', '\(format)');
        CREATE TABLE IF NOT EXISTS docs(coll TEXT NOT NULL, id TEXT NOT NULL, body BLOB NOT NULL, expires INTEGER,
            PRIMARY KEY(coll, id)) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS docs_expires ON docs(expires) WHERE expires IS NOT NULL;
        CREATE TABLE IF NOT EXISTS uniq(coll TEXT NOT NULL, idx TEXT NOT NULL, key BLOB NOT NULL, id TEXT NOT NULL,
            PRIMARY KEY(coll, idx, key)) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS uniq_doc ON uniq(coll, id);
        CREATE TABLE IF NOT EXISTS indexes(coll TEXT NOT NULL, name TEXT NOT NULL, spec BLOB NOT NULL,
            PRIMARY KEY(coll, name)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS keyed_sets(coll TEXT PRIMARY KEY, time_field TEXT NOT NULL, retention_ms INTEGER NOT NULL,
            bucket_ms INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS kset(coll TEXT NOT NULL, bucket INTEGER NOT NULL, id TEXT NOT NULL, expires INTEGER NOT NULL,
            body BLOB NOT NULL, PRIMARY KEY(coll, bucket, id)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS kset_buckets(coll TEXT NOT NULL, bucket INTEGER NOT NULL, expires INTEGER NOT NULL,
            PRIMARY KEY(coll, bucket)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS generations(projection TEXT NOT NULL, generation TEXT NOT NULL,
            PRIMARY KEY(projection, generation)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS checkpoints(projection TEXT NOT NULL, generation TEXT NOT NULL, topic TEXT NOT NULL,
            partition INTEGER NOT NULL, next_offset INTEGER NOT NULL,
            PRIMARY KEY(projection, generation, topic, partition)) WITHOUT ROWID;
        """

    /// Throws `.invalidRequest` when the database is not a Keel store (or a newer format).
    static func checkFormat(_ db: SQLiteConnection) throws(StoreError) {
        let tables = try db.statement("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'")
        defer { tables.reset() }
        guard try tables.step(), tables.int64(0) == 1 else {
            throw StoreError(.invalidRequest, "\(db.path) is an SQLite database but not a Keel projection store")
        }
        let format = try db.statement("SELECT value FROM meta WHERE key = 'format'")
        defer { format.reset() }
        let found = try format.step() ? format.string(0) : nil
        guard found == Self.format else {
            throw StoreError(.invalidRequest, "\(db.path) has format '\(found ?? "none")', this build reads '\(Self.format)'")
        }
    }

    /// The tables whose rows belong to one physical collection (`coll`): promote moves them, drop
    /// deletes them.
    static let collectionTables = ["docs", "uniq", "indexes", "keyed_sets", "kset", "kset_buckets"]

    static func generationColumn(_ target: CollectionSet) -> String { target.generation ?? live }

    static func encode(_ spec: IndexSpec) -> [UInt8] {
        DocumentCodec.encode([
            "name": .string(spec.name),
            "fields": .array(spec.fields.map { .array([.string($0.path), .bool($0.ascending)]) }),
            "unique": .bool(spec.unique),
            "ttl": spec.expireAfterSeconds.map { .int(Int64($0)) } ?? .null,
        ])
    }

    static func decodeSpec(_ bytes: [UInt8]) throws(StoreError) -> IndexSpec {
        let document = try DocumentCodec.decodeDocument(bytes)
        guard case .string(let name)? = document["name"], case .array(let fields)? = document["fields"],
            case .bool(let unique)? = document["unique"]
        else { throw StoreError(.internalError, "corrupt index specification") }
        var sortFields: [SortField] = []
        for field in fields {
            guard case .array(let parts) = field, parts.count == 2, case .string(let path) = parts[0], case .bool(let ascending) = parts[1] else {
                throw StoreError(.internalError, "corrupt index field in '\(name)'")
            }
            sortFields.append(SortField(path, ascending: ascending))
        }
        return IndexSpec(name: name, fields: sortFields, unique: unique, expireAfterSeconds: document["ttl"]?.intValue.map { Int($0) })
    }

    static func nowMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
}

/// The indexes of one physical collection, as the writer enforces them.
struct CollectionIndexes {
    var all: [String: IndexSpec] = [:]
    var unique: [IndexSpec] = []
    var ttl: [(field: String, seconds: Int)] = []

    init(_ specs: [IndexSpec]) {
        for spec in specs {
            all[spec.name] = spec
            if spec.unique { unique.append(spec) }
            if let seconds = spec.expireAfterSeconds, let field = spec.fields.first { ttl.append((field.path, seconds)) }
        }
    }

    /// The earliest expiry any TTL index gives `document`.
    func expiry(_ document: Document) -> Int64? {
        var earliest: Int64?
        for (field, seconds) in ttl {
            if let expiry = IndexKeys.expiry(document, field: field, seconds: seconds), expiry < (earliest ?? .max) { earliest = expiry }
        }
        return earliest
    }
}
