import Foundation
import KeelCore

/// Computes an `Aggregation`'s rows from the documents fed to it (already filtered by the
/// caller), with the type rules documented on `AggregationRow`.
///
/// Guarantees:
/// - Groups by the `groupBy` values (a missing field groups as null) and, with a time bucket, by
///   the bucket start of the date field; documents whose bucket field is not a date are left out.
/// - `count` is an int. `sum` ignores non-numbers; ints stay int (an int64 overflow turns the sum
///   into a double, as MongoDB does), any double makes it a double, any decimal makes it an exact
///   decimal; no numbers → int 0. `avg` is a double (decimal if any decimal), null without
///   numbers. `min`/`max` ignore null and missing, compare by `DocumentValue.compare`, and keep
///   the value's type; null when nothing is left.
/// - Rows are sorted by bucket start, then group values in `groupBy` order.
public struct AggregationEvaluator {
    private struct GroupKey: Hashable {
        var values: [DocumentValue]
        var bucket: Int64?
    }

    private struct Accumulator {
        var count: Int64 = 0
        var numbers: Int64 = 0
        var intSum: Int64 = 0
        var doubleSum: Double = 0
        var decimalSum = Decimal(0)
        var hasDouble = false
        var hasDecimal = false
        var extreme: DocumentValue?

        mutating func addNumber(_ value: DocumentValue) {
            numbers += 1
            switch value {
            case .int(let number):
                let (sum, overflow) = intSum.addingReportingOverflow(number)
                if overflow {
                    doubleSum += Double(intSum) + Double(number)
                    intSum = 0
                    hasDouble = true
                } else {
                    intSum = sum
                }
            case .double(let number):
                doubleSum += number
                hasDouble = true
            case .decimal(let number):
                decimalSum += number
                hasDecimal = true
            default: numbers -= 1
            }
        }

        var sum: DocumentValue {
            if hasDecimal { return .decimal(decimalSum + Decimal(intSum) + (hasDouble ? Decimal(doubleSum) : 0)) }
            if hasDouble { return .double(doubleSum + Double(intSum)) }
            return .int(intSum)
        }

        var average: DocumentValue {
            guard numbers > 0 else { return .null }
            switch sum {
            case .decimal(let total): return .decimal(total / Decimal(numbers))
            case .double(let total): return .double(total / Double(numbers))
            case .int(let total): return .double(Double(total) / Double(numbers))
            default: return .null
            }
        }
    }

    public let aggregation: Aggregation
    private let bucketer: TimeBucketer?
    private var groups: [GroupKey: [Accumulator]] = [:]

    /// Throws `.invalidRequest` for an unknown time zone, a metric other than `count` without a
    /// field, duplicate metric names, or empty paths.
    public init(_ aggregation: Aggregation) throws(StoreError) {
        self.aggregation = aggregation
        try DocumentMatcher.validate(aggregation.filter)
        for path in aggregation.groupBy { try DocumentPath.validate(path, "groupBy") }
        var names = Set<String>()
        for metric in aggregation.metrics {
            guard names.insert(metric.name).inserted else {
                throw StoreError(.invalidRequest, "metric name '\(metric.name)' appears twice")
            }
            if metric.function != .count {
                guard let field = metric.field else {
                    throw StoreError(.invalidRequest, "metric '\(metric.name)' (\(metric.function)) needs a field")
                }
                try DocumentPath.validate(field, "metric \(metric.name)")
            }
        }
        if let bucket = aggregation.timeBucket {
            try DocumentPath.validate(bucket.field, "timeBucket")
            bucketer = try TimeBucketer(unit: bucket.unit, timeZone: bucket.timeZone)
        } else {
            bucketer = nil
        }
    }

    /// Adds one document (the caller has applied the filter).
    public mutating func add(_ document: Document) {
        var bucket: Int64?
        if let bucketer, let field = aggregation.timeBucket?.field {
            guard case .date(let milliseconds)? = DocumentPath.value(at: field, in: document) else { return }
            bucket = bucketer.start(ofMilliseconds: milliseconds)
        }
        let key = GroupKey(values: aggregation.groupBy.map { DocumentPath.value(at: $0, in: document) ?? .null }, bucket: bucket)
        let metrics = aggregation.metrics
        var accumulators = groups.removeValue(forKey: key) ?? Array(repeating: Accumulator(), count: metrics.count)
        for index in metrics.indices {
            let metric = metrics[index]
            accumulators[index].count += 1
            guard metric.function != .count, let field = metric.field,
                let value = DocumentPath.value(at: field, in: document), value != .null
            else { continue }
            switch metric.function {
            case .count: break
            case .sum, .avg: accumulators[index].addNumber(value)
            case .min:
                if let current = accumulators[index].extreme, DocumentValue.compare(value, current) >= 0 { continue }
                accumulators[index].extreme = value
            case .max:
                if let current = accumulators[index].extreme, DocumentValue.compare(value, current) <= 0 { continue }
                accumulators[index].extreme = value
            }
        }
        groups[key] = accumulators
    }

    /// The result rows, sorted by bucket then group values.
    public func rows() -> [AggregationRow] {
        let sorted = groups.sorted { a, b in
            if a.key.bucket != b.key.bucket { return (a.key.bucket ?? .min) < (b.key.bucket ?? .min) }
            for (x, y) in zip(a.key.values, b.key.values) {
                let order = DocumentValue.compare(x, y)
                if order != 0 { return order < 0 }
            }
            return false
        }
        return sorted.map { key, accumulators in
            var values: [String: DocumentValue] = [:]
            for (metric, accumulator) in zip(aggregation.metrics, accumulators) {
                values[metric.name] =
                    switch metric.function {
                    case .count: .int(accumulator.count)
                    case .sum: accumulator.sum
                    case .avg: accumulator.average
                    case .min, .max: accumulator.extreme ?? .null
                    }
            }
            var group: [String: DocumentValue] = [:]
            for (path, value) in zip(aggregation.groupBy, key.values) { group[path] = value }
            return AggregationRow(group: group, bucketStart: key.bucket, values: values)
        }
    }
}
