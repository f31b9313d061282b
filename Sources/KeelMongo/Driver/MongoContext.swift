import CMongoC
import KeelCore

/// One leased client (and optionally a session in a transaction) for the duration of one
/// executor job. Every method blocks: call only on a `BlockingExecutor` thread.
///
/// Failures are thrown as classified `MongoFailure`s (see `MongoFailure.Kind`).
struct MongoContext {
    let client: OpaquePointer
    let database: String
    /// When set, every operation runs in this session (and its transaction, if one is open).
    var session: OpaquePointer?

    /// An options document, with the session's id appended when there is a session.
    func options(_ document: BSONDoc) throws -> BSONDocument {
        let options = try BSONDocument(document)
        if let session {
            var error = bson_error_t()
            guard mongoc_client_session_append(session, options.pointer, &error) else {
                throw MongoFailure(error, operation: "attach session")
            }
        }
        return options
    }

    func withCollection<T>(_ name: String, _ body: (OpaquePointer) throws -> T) throws -> T {
        guard let collection = mongoc_client_get_collection(client, database, name) else {
            throw MongoFailure.internal("libmongoc returned no collection handle for \(name)")
        }
        defer { mongoc_collection_destroy(collection) }
        return try body(collection)
    }

    /// Runs a database command (on `database` unless another is named) and returns the reply.
    @discardableResult
    func command(_ command: BSONDoc, on databaseName: String? = nil, operation: String) throws -> Document {
        let body = try BSONDocument(command)
        let options = try self.options([:])
        let reply = BSONDocument()
        var error = bson_error_t()
        guard let database = mongoc_client_get_database(client, databaseName ?? self.database) else {
            throw MongoFailure.internal("libmongoc returned no database handle")
        }
        defer { mongoc_database_destroy(database) }
        guard mongoc_database_command_with_opts(database, body.pointer, nil, options.pointer, reply.pointer, &error) else {
            throw MongoFailure(error, reply: reply.pointer, operation: operation)
        }
        return try reply.decode()
    }

    func find(_ collection: String, filter: BSONDoc, options findOptions: BSONDoc = [:], operation: String) throws -> [Document] {
        let filter = try BSONDocument(filter)
        let options = try options(findOptions)
        return try withCollection(collection) { handle in
            guard let cursor = mongoc_collection_find_with_opts(handle, filter.pointer, options.pointer, nil) else {
                throw MongoFailure.internal("libmongoc returned no cursor")
            }
            return try Self.drain(cursor, operation: operation)
        }
    }

    func count(_ collection: String, filter: BSONDoc, operation: String) throws -> Int {
        let filter = try BSONDocument(filter)
        let options = try options([:])
        let reply = BSONDocument()
        return try withCollection(collection) { handle in
            var error = bson_error_t()
            let count = mongoc_collection_count_documents(handle, filter.pointer, options.pointer, nil, reply.pointer, &error)
            guard count >= 0 else { throw MongoFailure(error, reply: reply.pointer, operation: operation) }
            return Int(count)
        }
    }

    func aggregate(_ collection: String, pipeline: [BSONItem], operation: String) throws -> [Document] {
        let pipeline = try BSONDocument(["pipeline": .array(pipeline)])
        let options = try options([:])
        return try withCollection(collection) { handle in
            guard let cursor = mongoc_collection_aggregate(handle, MONGOC_QUERY_NONE, pipeline.pointer, options.pointer, nil) else {
                throw MongoFailure.internal("libmongoc returned no cursor")
            }
            return try Self.drain(cursor, operation: operation)
        }
    }

    func replaceOne(_ collection: String, filter: BSONDoc, replacement: Document, upsert: Bool, operation: String) throws {
        let filter = try BSONDocument(filter)
        let replacement = try BSONDocument(values: replacement)
        let options = try options(["upsert": .value(.bool(upsert))])
        let reply = BSONDocument()
        try withCollection(collection) { handle in
            var error = bson_error_t()
            guard mongoc_collection_replace_one(handle, filter.pointer, replacement.pointer, options.pointer, reply.pointer, &error) else {
                throw MongoFailure(error, reply: reply.pointer, operation: operation)
            }
        }
    }

    /// Deletes the matching documents; returns how many.
    @discardableResult
    func deleteMany(_ collection: String, filter: BSONDoc, operation: String) throws -> Int {
        let filter = try BSONDocument(filter)
        let options = try options([:])
        let reply = BSONDocument()
        return try withCollection(collection) { handle in
            var error = bson_error_t()
            guard mongoc_collection_delete_many(handle, filter.pointer, options.pointer, reply.pointer, &error) else {
                throw MongoFailure(error, reply: reply.pointer, operation: operation)
            }
            return Int(try reply.decode()["deletedCount"]?.intValue ?? 0)
        }
    }

    /// The names of the database's collections.
    func collectionNames() throws -> Set<String> {
        // A large database may not fit the first batch: `commandCursor` pages through the rest.
        let collections = try commandCursor(
            ["listCollections": 1, "nameOnly": true], collection: "$cmd.listCollections", operation: "listCollections")
        return Set(collections.compactMap { $0["name"]?.stringValue })
    }

    /// Drops a collection; a missing one is not an error.
    func drop(_ collection: String) throws {
        do {
            try command(["drop": .string(collection)], operation: "drop \(collection)")
        } catch let failure as MongoFailure where failure.code == 26 {
            return
        }
    }

    static func drain(_ cursor: OpaquePointer, operation: String) throws -> [Document] {
        defer { mongoc_cursor_destroy(cursor) }
        var documents: [Document] = []
        var current: OpaquePointer?
        while mongoc_cursor_next(cursor, &current) {
            if let current { documents.append(try BSONDocument.decode(current)) }
        }
        var error = bson_error_t()
        var reply: OpaquePointer?
        if mongoc_cursor_error_document(cursor, &error, &reply) {
            throw MongoFailure(error, reply: reply, operation: operation)
        }
        return documents
    }
}
