import CMongoC
import KeelCore

/// One write of a bulk operation on a single collection.
enum BulkOperation: Sendable {
    case update(filter: BSONDoc, update: BSONDoc, upsert: Bool)
    case replace(filter: BSONDoc, replacement: Document, upsert: Bool)
    case delete(filter: BSONDoc)
}

extension MongoContext {
    /// Executes `operations` on one collection as one libmongoc bulk (libmongoc merges consecutive
    /// writes of the same kind into one command). `ordered: false` lets the server run the writes
    /// in any order and continue past failures; use it only when no two writes touch one document.
    func bulkWrite(_ collection: String, _ operations: [BulkOperation], ordered: Bool, operation: String) throws {
        guard !operations.isEmpty else { return }
        let options = try options(["ordered": .value(.bool(ordered))])
        let upsertTrue = try BSONDocument(["upsert": true])
        let noOptions = try BSONDocument([:])
        try withCollection(collection) { handle in
            guard let bulk = mongoc_collection_create_bulk_operation_with_opts(handle, options.pointer) else {
                throw MongoFailure.internal("libmongoc returned no bulk operation")
            }
            defer { mongoc_bulk_operation_destroy(bulk) }
            var error = bson_error_t()
            for write in operations {
                let added: Bool
                switch write {
                case .update(let filter, let update, let upsert):
                    let filter = try BSONDocument(filter)
                    let update = try BSONDocument(update)
                    added = mongoc_bulk_operation_update_one_with_opts(
                        bulk, filter.pointer, update.pointer, (upsert ? upsertTrue : noOptions).pointer, &error)
                case .replace(let filter, let replacement, let upsert):
                    let filter = try BSONDocument(filter)
                    let replacement = try BSONDocument(values: replacement)
                    added = mongoc_bulk_operation_replace_one_with_opts(
                        bulk, filter.pointer, replacement.pointer, (upsert ? upsertTrue : noOptions).pointer, &error)
                case .delete(let filter):
                    let filter = try BSONDocument(filter)
                    added = mongoc_bulk_operation_remove_one_with_opts(bulk, filter.pointer, noOptions.pointer, &error)
                }
                guard added else { throw MongoFailure(error, operation: operation) }
            }
            let reply = BSONDocument()
            guard mongoc_bulk_operation_execute(bulk, reply.pointer, &error) != 0 else {
                throw MongoFailure(error, reply: reply.pointer, operation: operation)
            }
        }
    }
}
