import KeelCore
import KeelStore

/// How the embedded store keeps a keyed set (`KeyedSetSpec`): not in `docs` but in
/// `kset(coll, bucket, id, expires, body)`, clustered by time bucket.
///
/// - `bucket` is the entry's time (`timeField`) floored to `bucketMs`, an eighth of the
///   retention (at least a second): new entries land in the newest bucket's part of the B-tree,
///   never among older ones, and a look-up by id probes the few live buckets (`kset_buckets`).
/// - `expires` is the entry's time plus the retention: the entry is invisible from then on,
///   as a TTL index would make it, and `kset_buckets.expires` (the latest expiry in the bucket)
///   lets the TTL purge drop whole buckets, a range of the B-tree, instead of single rows.
/// - At most one entry per id is visible: an insert is skipped while one is.
struct KeyedSetLayout: Sendable, Hashable {
    static let bucketsPerRetention: Int64 = 8

    var timeField: String
    var retentionMs: Int64
    var bucketMs: Int64

    init(timeField: String, retentionMs: Int64, bucketMs: Int64) {
        self.timeField = timeField
        self.retentionMs = retentionMs
        self.bucketMs = bucketMs
    }

    /// A new declaration's layout.
    init(_ spec: KeyedSetSpec) {
        let retention = Int64(spec.retentionSeconds) * 1000
        self.init(timeField: spec.timeField, retentionMs: retention, bucketMs: Swift.max(1000, retention / Self.bucketsPerRetention))
    }

    /// The bucket of an instant (floor, also before 1970).
    func bucket(ofMs time: Int64) -> Int64 {
        let quotient = time / bucketMs
        return time % bucketMs < 0 ? quotient - 1 : quotient
    }
}

/// The writer thread's view of the keyed sets, rebuilt from the tables after a rollback.
struct KeyedSetCache {
    /// Physical collection → its layout, or nil for an ordinary collection.
    var layouts: [String: KeyedSetLayout?] = [:]
    /// Physical collection → bucket → the latest expiry stored for it in `kset_buckets`.
    var buckets: [String: [Int64: Int64]] = [:]
}
