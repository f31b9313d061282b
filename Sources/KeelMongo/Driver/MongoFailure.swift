import CMongoC
import KeelStore

/// A failure inside the adapter, classified for the retry loop; converted to `StoreError` at the
/// public boundary (`storeError`).
struct MongoFailure: Error, Sendable, CustomStringConvertible {
    enum Kind: Sendable, Equatable {
        /// Worth retrying: network/stream errors, WriteConflict, not-primary, TransientTransactionError,
        /// an unknown commit result.
        case transient
        /// No server could be selected within the server-selection timeout.
        case unavailable
        case duplicateKey
        case unauthorized
        case invalid
        case closed
        case `internal`
    }

    var kind: Kind
    var message: String
    /// The libmongoc error code (with error API 2, the server's code for server errors); 0 when none.
    var code: UInt32 = 0

    static func invalid(_ message: String) -> MongoFailure { MongoFailure(kind: .invalid, message: message) }
    static func `internal`(_ message: String) -> MongoFailure { MongoFailure(kind: .internal, message: message) }

    var description: String { "\(kind): \(message)" }

    var storeError: StoreError {
        switch kind {
        case .transient, .unavailable: StoreError(.unavailable, message, cause: self)
        case .duplicateKey: StoreError(.duplicateKey, message, cause: self)
        case .unauthorized: StoreError(.unauthorized, message, cause: self)
        case .invalid: StoreError(.invalidRequest, message, cause: self)
        case .closed: StoreError(.closed, message, cause: self)
        case .internal: StoreError(.internalError, message, cause: self)
        }
    }

    /// Classifies a libmongoc error (error API version 2), using the reply's error labels when there is one.
    init(_ error: bson_error_t, reply: OpaquePointer? = nil, operation: String) {
        var copy = error
        let text = withUnsafePointer(to: &copy) { String(cString: keel_error_message($0)) }
        message = "\(operation) failed: \(text) (domain \(error.domain), code \(error.code))"
        kind = Self.classify(domain: error.domain, code: error.code, reply: reply)
        code = error.code
    }

    init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    /// Server codes worth retrying: the MongoDB drivers' retryable set plus WriteConflict (112).
    static let transientServerCodes: Set<UInt32> = [
        6, 7, 89, 91, 112, 189, 251, 262, 9001, 10107, 11600, 11602, 13435, 13436, 63, 150, 134, 64,
    ]
    static let authCodes: Set<UInt32> = [11, 13, 18, 31, 33]

    private static func classify(domain: UInt32, code: UInt32, reply: OpaquePointer?) -> Kind {
        if let reply,
            mongoc_error_has_label(reply, "TransientTransactionError")
                || mongoc_error_has_label(reply, "UnknownTransactionCommitResult")
                || mongoc_error_has_label(reply, "RetryableWriteError")
        {
            return .transient
        }
        switch domain {
        case MONGOC_ERROR_STREAM.rawValue, MONGOC_ERROR_PROTOCOL.rawValue:
            return .transient
        case MONGOC_ERROR_SERVER_SELECTION.rawValue:
            return .unavailable
        case MONGOC_ERROR_CLIENT.rawValue where code == MONGOC_ERROR_CLIENT_AUTHENTICATE.rawValue:
            return .unauthorized
        case MONGOC_ERROR_SASL.rawValue, MONGOC_ERROR_SCRAM.rawValue:
            return .unauthorized
        case MONGOC_ERROR_BSON.rawValue, MONGOC_ERROR_CURSOR.rawValue:
            return .invalid
        case MONGOC_ERROR_COMMAND.rawValue where code == MONGOC_ERROR_COMMAND_INVALID_ARG.rawValue:
            return .invalid
        case MONGOC_ERROR_SERVER.rawValue, MONGOC_ERROR_QUERY.rawValue, MONGOC_ERROR_COMMAND.rawValue,
            MONGOC_ERROR_WRITE_CONCERN.rawValue, MONGOC_ERROR_COLLECTION.rawValue:
            return serverKind(code)
        default:
            return .internal
        }
    }

    private static func serverKind(_ code: UInt32) -> Kind {
        if code == 11000 || code == 11001 || code == 12582 { return .duplicateKey }
        if transientServerCodes.contains(code) { return .transient }
        if authCodes.contains(code) { return .unauthorized }
        if code == 1 || code == 8 { return .internal }
        return .invalid
    }
}
