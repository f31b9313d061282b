import KeelCore
import KeelStore

/// `DocumentChange` → one bulk write, keyed by `_id`.
///
/// Upserts become `updateOne(upsert: true)` with `$setOnInsert`, `$set`, `$inc`, `$max`, `$min`,
/// `$push: {$each}` and `$unset`; replaces become `replaceOne(upsert: true)` with `_id` forced to
/// the change's id; deletes become `deleteOne`.
enum UpdateTranslation {
    static func operation(_ change: DocumentChange) throws -> BulkOperation {
        let filter: BSONDoc = ["_id": .string(change.id)]
        switch change.operation {
        case .upsert(let update):
            return .update(filter: filter, update: try document(update), upsert: true)
        case .replace(var document):
            for key in document.keys where key.hasPrefix("$") {
                throw MongoFailure.invalid("replace of '\(change.id)': field name '\(key)' starts with '$'")
            }
            document["_id"] = .string(change.id)
            return .replace(filter: filter, replacement: document, upsert: true)
        case .delete:
            return .delete(filter: filter)
        }
    }

    static func document(_ update: DocumentUpdate) throws -> BSONDoc {
        var result = BSONDoc()
        func add(_ name: String, _ fields: [String: DocumentValue]) throws {
            guard !fields.isEmpty else { return }
            for path in fields.keys { try FilterTranslation.validate(path, name) }
            result.append(name, .value(.object(fields)))
        }
        try add("$setOnInsert", update.setOnInsert)
        try add("$set", update.set)
        try add("$inc", update.inc)
        try add("$max", update.max)
        try add("$min", update.min)
        if !update.push.isEmpty {
            var push = BSONDoc()
            for path in update.push.keys.sorted() {
                try FilterTranslation.validate(path, "$push")
                push.append(path, .document(["$each": .value(.array(update.push[path]!))]))
            }
            result.append("$push", .document(push))
        }
        if !update.unset.isEmpty {
            for path in update.unset { try FilterTranslation.validate(path, "$unset") }
            result.append("$unset", .value(.object(Dictionary(uniqueKeysWithValues: update.unset.map { ($0, DocumentValue.string("")) }))))
        }
        if result.isEmpty {
            // An empty update still creates the document: `$setOnInsert` of its own `_id` is a no-op update.
            result.append("$setOnInsert", .document([:]))
        }
        return result
    }
}
