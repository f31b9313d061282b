import KeelCore
import KeelStore

/// Typed reads of the `activity` projection (the gateway exposes these).
public struct ActivityQueries: Sendable {
    let store: any ProjectionStore
    let target: CollectionSet

    public init(store: any ProjectionStore, target: CollectionSet = .live(ActivityProjector.projectionName)) {
        self.store = store
        self.target = target
    }

    /// One bucket of activity.
    public struct Count: Sendable, Hashable {
        /// The bucket's start instant (UTC milliseconds).
        public var bucketStart: Int64
        /// The event type, when the query grouped by type (`type: nil`).
        public var type: String?
        public var count: Int64
        public var firstTime: Int64?
        public var lastTime: Int64?
    }

    /// Event counts of `tenant` between `from` (inclusive) and `to` (exclusive), UTC ms, bucketed
    /// by `bucket` in `timeZone`. With `type` nil, one row per (bucket, type).
    ///
    /// The projection stores hourly UTC buckets, so day and month buckets are exact in zones whose
    /// offset is a whole number of hours; in others (e.g. Asia/Kolkata) an hour is filed under the
    /// local bucket its UTC start falls in. `from`/`to` select whole stored hours.
    public func counts(
        tenant: String, type: String? = nil, from: Int64, to: Int64, bucket: TimeBucket.Unit = .hour, timeZone: String = "UTC"
    ) async throws -> [Count] {
        var filter = [
            FieldFilter("tenant", .equals(.string(tenant))),
            FieldFilter("hour", .greaterThanOrEqual(.date(ActivityProjector.hourStart(from)))),
            FieldFilter("hour", .lessThan(.date(to))),
        ]
        if let type { filter.append(FieldFilter("type", .equals(.string(type)))) }
        let rows = try await store.aggregate(
            Aggregation(
                target: target, collection: ActivityProjector.collection, filter: filter, groupBy: type == nil ? ["type"] : [],
                timeBucket: TimeBucket(field: "hour", unit: bucket, timeZone: timeZone),
                metrics: [Metric("count", .sum, field: "count"), Metric("first", .min, field: "firstTime"), Metric("last", .max, field: "lastTime")]))
        return rows.map { row in
            Count(
                bucketStart: row.bucketStart ?? 0, type: type ?? row.group["type"]?.stringValue,
                count: row.values["count"]?.intValue ?? 0, firstTime: row.values["first"]?.dateValue,
                lastTime: row.values["last"]?.dateValue)
        }
    }
}
