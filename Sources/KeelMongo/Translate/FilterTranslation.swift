import KeelCore
import KeelStore

/// `[FieldFilter]` → a MongoDB query document. MongoDB's own semantics (type bracketing, missing
/// fields, array elements) are the port's documented semantics, so conditions map one to one.
enum FilterTranslation {
    static func query(_ filters: [FieldFilter]) throws -> BSONDoc {
        guard !filters.isEmpty else { return [:] }
        let clauses = try filters.map { filter -> BSONItem in
            try validate(filter.path, "filter")
            return .document(BSONDoc([(filter.path, .document(condition(filter.condition)))]))
        }
        return clauses.count == 1 ? onlyClause(clauses[0]) : ["$and": .array(clauses)]
    }

    /// `{ $and: [a, b] }` of two query documents, skipping empty ones.
    static func and(_ a: BSONDoc, _ b: BSONDoc) -> BSONDoc {
        if a.isEmpty { return b }
        if b.isEmpty { return a }
        return ["$and": .array([.document(a), .document(b)])]
    }

    static func condition(_ condition: FieldFilter.Condition) -> BSONDoc {
        switch condition {
        case .equals(let value): ["$eq": .value(value)]
        case .notEquals(let value): ["$ne": .value(value)]
        case .greaterThan(let value): ["$gt": .value(value)]
        case .greaterThanOrEqual(let value): ["$gte": .value(value)]
        case .lessThan(let value): ["$lt": .value(value)]
        case .lessThanOrEqual(let value): ["$lte": .value(value)]
        case .oneOf(let values): ["$in": .value(.array(values))]
        case .exists(let flag): ["$exists": .value(.bool(flag))]
        }
    }

    /// Refuses paths MongoDB would misread: empty, empty components, or starting with `$`.
    static func validate(_ path: String, _ context: String) throws {
        let components = path.split(separator: ".", omittingEmptySubsequences: false)
        guard !path.isEmpty, !components.contains(where: \.isEmpty), !path.hasPrefix("$") else {
            throw MongoFailure.invalid("invalid \(context) path '\(path)'")
        }
    }

    private static func onlyClause(_ item: BSONItem) -> BSONDoc {
        if case .document(let document) = item { return document }
        return [:]
    }
}
