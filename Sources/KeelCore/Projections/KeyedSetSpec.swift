/// A collection a projector fills as a *keyed set*: an index of first occurrences, such as the
/// gateway's dedupe index.
///
/// The contract a projector accepts by declaring one (`Projector.keyedSets`):
/// - Its only changes are upserts with `setOnInsert` alone, so a document is written once (while
///   one with its id is visible, later upserts change nothing) and never updated or deleted.
/// - Every document carries a date in `timeField`; it is visible until `retentionSeconds` after
///   that instant, then gone for every read (as with a TTL index), and an upsert of its id starts
///   a fresh one.
/// - It is read by id (`find`) and counted; it is not meant for filtered queries.
///
/// What the store gains: it may keep the collection in a layout made for this, instead of as
/// ordinary documents. The embedded store clusters entries by time bucket, so inserts land in
/// the newest bucket only and expired entries leave a whole bucket at a time; any store may keep
/// it as documents with a TTL index on `timeField` (MongoDB does), with the same observable
/// behaviour. The `ProjectionStoreConformanceTests` prove both.
public struct KeyedSetSpec: Sendable, Hashable {
    /// The logical collection (one of the projector's `collections`).
    public var collection: String
    /// The date field that orders entries and starts their retention.
    public var timeField: String
    /// How long an entry stays visible after its `timeField`, in seconds (at least 1).
    public var retentionSeconds: Int

    public init(collection: String, timeField: String, retentionSeconds: Int) {
        self.collection = collection
        self.timeField = timeField
        self.retentionSeconds = retentionSeconds
    }
}
