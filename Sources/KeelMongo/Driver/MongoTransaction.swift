import CMongoC

/// How a transaction body ends.
enum TransactionEnd<T> {
    case commit(T)
    case abort(T)
}

extension MongoContext {
    /// Runs `body` in a new session and multi-document transaction (the client's write concern,
    /// `w: majority, j: true` by default, applies to the commit). `.commit` commits, `.abort`
    /// aborts; a throw aborts and rethrows. Commit failures are classified (an unknown commit
    /// result or TransientTransactionError is transient: the caller retries the whole transaction).
    func inTransaction<T>(operation: String, _ body: (inout MongoContext) throws -> TransactionEnd<T>) throws -> T {
        var error = bson_error_t()
        guard let session = mongoc_client_start_session(client, nil, &error) else {
            throw MongoFailure(error, operation: "\(operation): start session")
        }
        defer { mongoc_client_session_destroy(session) }
        guard mongoc_client_session_start_transaction(session, nil, &error) else {
            throw MongoFailure(error, operation: "\(operation): start transaction")
        }
        var context = self
        context.session = session
        let end: TransactionEnd<T>
        do {
            end = try body(&context)
        } catch {
            var ignored = bson_error_t()
            _ = mongoc_client_session_abort_transaction(session, &ignored)
            throw error
        }
        switch end {
        case .abort(let value):
            var ignored = bson_error_t()
            _ = mongoc_client_session_abort_transaction(session, &ignored)
            return value
        case .commit(let value):
            let reply = BSONDocument()
            guard mongoc_client_session_commit_transaction(session, reply.pointer, &error) else {
                throw MongoFailure(error, reply: reply.pointer, operation: "\(operation): commit")
            }
            return value
        }
    }
}
