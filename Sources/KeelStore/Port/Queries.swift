import KeelCore

/// A condition on one field (dotted path). All filters of a query must hold.
public struct FieldFilter: Sendable, Hashable {
    public enum Condition: Sendable, Hashable {
        case equals(DocumentValue)
        case notEquals(DocumentValue)
        case greaterThan(DocumentValue)
        case greaterThanOrEqual(DocumentValue)
        case lessThan(DocumentValue)
        case lessThanOrEqual(DocumentValue)
        case oneOf([DocumentValue])
        case exists(Bool)
    }

    public var path: String
    public var condition: Condition

    public init(_ path: String, _ condition: Condition) {
        self.path = path
        self.condition = condition
    }
}

public struct SortField: Sendable, Hashable {
    public var path: String
    public var ascending: Bool

    public init(_ path: String, ascending: Bool = true) {
        self.path = path
        self.ascending = ascending
    }
}

/// A page request. Results are ordered by `sort` then `_id` (always the final tie-breaker), so
/// pages are stable: following `DocumentPage.nextCursor` visits every matching document once
/// even while documents are added.
public struct DocumentQuery: Sendable, Hashable {
    public var target: CollectionSet
    public var collection: String
    public var filter: [FieldFilter]
    public var sort: [SortField]
    public var limit: Int
    /// An opaque cursor from a previous page.
    public var after: String?

    public init(target: CollectionSet, collection: String, filter: [FieldFilter] = [], sort: [SortField] = [], limit: Int = 100, after: String? = nil)
    {
        self.target = target
        self.collection = collection
        self.filter = filter
        self.sort = sort
        self.limit = limit
        self.after = after
    }
}

public struct DocumentPage: Sendable, Hashable {
    public var documents: [Document]
    /// `nil` when this is the last page.
    public var nextCursor: String?

    public init(documents: [Document], nextCursor: String?) {
        self.documents = documents
        self.nextCursor = nextCursor
    }
}

/// A small typed aggregation: filter, group by fields and/or a time bucket, compute metrics.
public struct Aggregation: Sendable, Hashable {
    public var target: CollectionSet
    public var collection: String
    public var filter: [FieldFilter]
    public var groupBy: [String]
    public var timeBucket: TimeBucket?
    public var metrics: [Metric]

    public init(
        target: CollectionSet, collection: String, filter: [FieldFilter] = [], groupBy: [String] = [], timeBucket: TimeBucket? = nil,
        metrics: [Metric]
    ) {
        self.target = target
        self.collection = collection
        self.filter = filter
        self.groupBy = groupBy
        self.timeBucket = timeBucket
        self.metrics = metrics
    }
}

/// Buckets a date field by calendar unit in an IANA time zone (DST-correct: a day in
/// Europe/Berlin starts at local midnight, whatever its UTC offset).
public struct TimeBucket: Sendable, Hashable {
    public enum Unit: String, Sendable, Hashable, CaseIterable { case hour, day, month }
    public var field: String
    public var unit: Unit
    public var timeZone: String

    public init(field: String, unit: Unit, timeZone: String = "UTC") {
        self.field = field
        self.unit = unit
        self.timeZone = timeZone
    }
}

public struct Metric: Sendable, Hashable {
    public enum Function: String, Sendable, Hashable { case count, sum, avg, min, max }
    public var name: String
    public var function: Function
    /// The field to aggregate (ignored for `count`).
    public var field: String?

    public init(_ name: String, _ function: Function, field: String? = nil) {
        self.name = name
        self.function = function
        self.field = field
    }
}

/// One group of an aggregation result. Rows come sorted by bucket, then group values.
public struct AggregationRow: Sendable, Hashable {
    public var group: [String: DocumentValue]
    /// The bucket's start instant (UTC milliseconds), when the aggregation has a time bucket.
    public var bucketStart: Int64?
    /// Metric values: `count` is int; `sum`/`min`/`max` keep the field's type (decimal stays
    /// exact; int sums stay int); `avg` is a double, or a decimal for decimal fields.
    public var values: [String: DocumentValue]

    public init(group: [String: DocumentValue], bucketStart: Int64?, values: [String: DocumentValue]) {
        self.group = group
        self.bucketStart = bucketStart
        self.values = values
    }
}

/// An index to declare on a collection.
public struct IndexSpec: Sendable, Hashable {
    public var name: String
    public var fields: [SortField]
    public var unique: Bool
    /// TTL: documents expire this many seconds after the date in the (single) indexed field.
    public var expireAfterSeconds: Int?

    public init(name: String, fields: [SortField], unique: Bool = false, expireAfterSeconds: Int? = nil) {
        self.name = name
        self.fields = fields
        self.unique = unique
        self.expireAfterSeconds = expireAfterSeconds
    }
}
