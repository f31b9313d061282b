import KeelCore
import KeelStore

/// `Aggregation` → a `$match`/`$group`/`$sort` pipeline, and its result documents → rows.
///
/// Group keys are stored under positional names (`_id.g0…`, bucket `_id.b`) and metrics under
/// `m0…`, so dotted paths and arbitrary metric names never collide with MongoDB's field syntax.
/// The bucket is `$dateTrunc` in the IANA time zone (DST-correct); documents whose bucket field
/// is not a date (also an array of dates) are left out (`$type: "date"` and an `$expr` on `$type`).
/// MongoDB's accumulators already follow the `AggregationRow` type rules: `$sum: 1` counts as an
/// int, int sums stay int (a double on int64 overflow), decimals stay exact, `$avg` is a double or
/// a decimal.
enum AggregationTranslation {
    static func pipeline(_ aggregation: Aggregation) throws -> [BSONItem] {
        var names = Set<String>()
        var match = try FilterTranslation.query(aggregation.filter)
        var groupID = BSONDoc()
        for (index, path) in aggregation.groupBy.enumerated() {
            try FilterTranslation.validate(path, "groupBy")
            groupID.append("g\(index)", .string("$" + path))
        }
        if let bucket = aggregation.timeBucket {
            try FilterTranslation.validate(bucket.field, "timeBucket")
            // `$type` in a query also matches an array holding a date (which `$dateTrunc` refuses);
            // the `$expr` keeps only a plain date, as the embedded store does.
            let isDate: BSONDoc = [
                bucket.field: .document(["$type": "date"]),
                "$expr": .document(["$eq": .array([.document(["$type": .string("$" + bucket.field)]), "date"])]),
            ]
            match = FilterTranslation.and(match, isDate)
            groupID.append(
                "b",
                .document([
                    "$dateTrunc": .document([
                        "date": .string("$" + bucket.field), "unit": .string(bucket.unit.rawValue),
                        "timezone": .string(bucket.timeZone),
                    ])
                ]))
        }
        var group: BSONDoc = ["_id": .document(groupID)]
        for (index, metric) in aggregation.metrics.enumerated() {
            guard names.insert(metric.name).inserted else {
                throw MongoFailure.invalid("metric name '\(metric.name)' appears twice")
            }
            group.append("m\(index)", .document(try accumulator(metric)))
        }
        var sort = BSONDoc()
        if aggregation.timeBucket != nil { sort.append("_id.b", 1) }
        for index in aggregation.groupBy.indices { sort.append("_id.g\(index)", 1) }
        var stages: [BSONItem] = []
        if !match.isEmpty { stages.append(.document(["$match": .document(match)])) }
        stages.append(.document(["$group": .document(group)]))
        if !sort.isEmpty { stages.append(.document(["$sort": .document(sort)])) }
        return stages
    }

    static func row(_ document: Document, _ aggregation: Aggregation) -> AggregationRow {
        let id = document["_id"]?.objectValue ?? [:]
        var group: [String: DocumentValue] = [:]
        for (index, path) in aggregation.groupBy.enumerated() { group[path] = id["g\(index)"] ?? .null }
        var values: [String: DocumentValue] = [:]
        for (index, metric) in aggregation.metrics.enumerated() { values[metric.name] = document["m\(index)"] ?? .null }
        return AggregationRow(group: group, bucketStart: id["b"]?.dateValue, values: values)
    }

    private static func accumulator(_ metric: Metric) throws -> BSONDoc {
        if metric.function == .count { return ["$sum": 1] }
        guard let field = metric.field else {
            throw MongoFailure.invalid("metric '\(metric.name)' (\(metric.function)) needs a field")
        }
        try FilterTranslation.validate(field, "metric \(metric.name)")
        return BSONDoc([("$" + metric.function.rawValue, .string("$" + field))])
    }
}
