import CMongoC
import Foundation

/// The process-wide libmongoc initialisation (`mongoc_init`), done once before the first pool.
/// libmongoc's own stderr logging is switched off: every failure reaches Keel as a `bson_error_t`
/// and is logged (or thrown) through the store's Logger.
private let mongocInitialized: Bool = {
    mongoc_init()
    mongoc_log_set_handler(nil, nil)
    return true
}()

/// A libmongoc client pool (`mongoc_client_pool_t`) for one URI. Every operation leases a client
/// with `withClient` and returns it afterwards.
///
/// NOTE @unchecked Sendable: `mongoc_client_pool_t` is documented thread-safe; the two pointers are
/// immutable after init and freed only by `destroy()`, which the store calls once, on the last
/// executor thread, after every operation has finished. Clients (not thread-safe) never leave the
/// thread that leased them.
final class MongoClientPool: @unchecked Sendable {
    private let pool: OpaquePointer
    private let uri: OpaquePointer
    /// The database name chosen from the options, the URI path, or `keel`.
    let database: String

    init(uri text: String, options: MongoStoreOptions) throws {
        _ = mongocInitialized
        var error = bson_error_t()
        guard let uri = mongoc_uri_new_with_error(text, &error) else {
            throw MongoFailure(kind: .invalid, message: "invalid MongoDB URI: \(Self.message(error))")
        }
        mongoc_uri_set_option_as_int32(uri, MONGOC_URI_CONNECTTIMEOUTMS, Int32(clamping: options.connectTimeout.milliseconds))
        mongoc_uri_set_option_as_int32(
            uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, Int32(clamping: options.serverSelectionTimeout.milliseconds))
        mongoc_uri_set_option_as_int32(uri, MONGOC_URI_MAXPOOLSIZE, Int32(options.threads))
        let concern = mongoc_write_concern_new()
        if let w = options.writeConcern.w {
            mongoc_write_concern_set_w(concern, Int32(w))
        } else {
            mongoc_write_concern_set_wmajority(concern, 0)
        }
        mongoc_write_concern_set_journal(concern, options.writeConcern.journal)
        mongoc_uri_set_write_concern(uri, concern)
        mongoc_write_concern_destroy(concern)

        guard let pool = mongoc_client_pool_new(uri) else {
            mongoc_uri_destroy(uri)
            throw MongoFailure(kind: .invalid, message: "libmongoc refused the URI options")
        }
        mongoc_client_pool_set_error_api(pool, Int32(MONGOC_ERROR_API_VERSION_2))
        _ = mongoc_client_pool_set_appname(pool, "keel")
        self.pool = pool
        self.uri = uri
        if let name = options.database, !name.isEmpty {
            database = name
        } else if let path = mongoc_uri_get_database(uri), !String(cString: path).isEmpty {
            database = String(cString: path)
        } else {
            database = "keel"
        }
    }

    /// Leases a client for the duration of `body` (blocking until one is free). Call on an executor thread.
    func withClient<T>(_ body: (OpaquePointer) throws -> T) throws -> T {
        guard let client = mongoc_client_pool_pop(pool) else {
            throw MongoFailure.internal("could not lease a client from the MongoDB pool")
        }
        defer { mongoc_client_pool_push(pool, client) }
        return try body(client)
    }

    /// Frees the pool and the URI. Only after every `withClient` has returned.
    func destroy() {
        mongoc_client_pool_destroy(pool)
        mongoc_uri_destroy(uri)
    }

    static func message(_ error: bson_error_t) -> String {
        var copy = error
        return withUnsafePointer(to: &copy) { String(cString: keel_error_message($0)) }
    }

    /// The URI without credentials, for messages and `description`.
    static func redacted(_ uri: String) -> String {
        guard let scheme = uri.range(of: "://") else { return uri }
        let rest = uri[scheme.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return uri }
        return String(uri[..<scheme.upperBound]) + String(rest[rest.index(after: at)...])
    }
}
