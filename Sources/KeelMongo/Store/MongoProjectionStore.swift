import CMongoC
import KeelCore
import KeelStore
import Logging
import Synchronization

/// The MongoDB adapter of the `ProjectionStore` port, over libmongoc/libbson.
///
/// Guarantees (beyond the port's):
/// - **Threading:** every libmongoc call runs on one of `options.threads` dedicated OS threads
///   (a `BlockingExecutor`), never on Swift's cooperative pool; each operation leases its own
///   client from one `mongoc_client_pool_t` and suspends its caller on one continuation. At most
///   `queueLimit` operations wait for a thread; beyond that they fail at once with `.unavailable`.
/// - **Atomic batches:** `apply` runs in one multi-document transaction that reads the checkpoint,
///   writes the changes with one bulk write per collection and stores the new checkpoint in
///   `keel_checkpoints`; see docs/mongo.md for why a transaction and not an offset guard.
/// - **Retries:** transient failures (network/stream errors, WriteConflict, not-primary,
///   TransientTransactionError, unknown commit result) are retried with exponential backoff per
///   `options.retry`; after the last attempt they surface as `.unavailable`. Every operation is
///   safe to retry (the checkpoint makes `apply` idempotent).
/// - **Errors:** no usable server within `serverSelectionTimeout` → `.unavailable`; duplicate key
///   (11000) → `.duplicateKey` with the whole batch rolled back; auth → `.unauthorized`; a request
///   the server refuses → `.invalidRequest`; after `shutdown` → `.closed`.
/// - **TTL:** documents a TTL index has expired are invisible to every read from the instant they
///   expire (the server deletes them lazily): each read adds a `{field: {$not: {$lte: now − ttl}}}`
///   condition per cached TTL index; an upsert onto an expired document starts a fresh one.
/// - Cancellation is not propagated into a running libmongoc call; it is observed while the
///   operation waits for a thread (it is dropped and throws `CancellationError`) and between retries.
public final class MongoProjectionStore: ProjectionStore {
    public let description: String
    let options: MongoStoreOptions
    let logger: Logger
    let pool: MongoClientPool
    let executor: BlockingExecutor
    let applyGate = KeyedSerialGate()
    /// Each collection's TTL indexes: reads hide expired documents, `apply` deletes the ones it touches.
    let ttlCache = TTLIndexCache()
    private let closed = Atomic<Bool>(false)

    /// Operations waiting for a thread beyond this many are refused (`.unavailable`).
    static let queueLimit = 10_000

    /// Connects to `uri` and checks that a server answers (`ping`) within the server-selection
    /// timeout; throws `.unavailable` ("could not reach MongoDB at … within Ns: …") otherwise,
    /// `.invalidRequest` for a malformed URI, `.unauthorized` for rejected credentials.
    public init(uri: String, options: MongoStoreOptions = .init(), logger: Logger) async throws {
        guard options.threads >= 1 else { throw StoreError(.invalidRequest, "MongoStoreOptions.threads must be at least 1") }
        let redacted = MongoClientPool.redacted(uri)
        do {
            pool = try MongoClientPool(uri: uri, options: options)
        } catch let failure as MongoFailure {
            throw failure.storeError
        }
        self.options = options
        self.logger = logger
        description = redacted
        executor = BlockingExecutor(name: "keel-mongo", threadCount: options.threads, queueLimit: MongoProjectionStore.queueLimit) { refusal in
            switch refusal.reason {
            case .shutDown: MongoFailure(kind: .closed, message: "the MongoDB store was shut down")
            case .queueFull: MongoFailure(kind: .unavailable, message: "MongoDB calls are not being answered: \(refusal)")
            }
        }
        do {
            _ = try await executor.run { [pool] in
                try pool.withClient { client in
                    try MongoContext(client: client, database: pool.database).command(["ping": 1], on: "admin", operation: "ping")
                }
            }
        } catch let failure as MongoFailure {
            await executor.shutdown { [pool] in pool.destroy() }
            let seconds = Double(options.serverSelectionTimeout.milliseconds) / 1000
            switch failure.kind {
            case .unavailable, .transient:
                throw StoreError(.unavailable, "could not reach MongoDB at \(redacted) within \(seconds)s: \(failure.message)")
            default:
                throw failure.storeError
            }
        } catch {
            // Cancelled while waiting for a thread.
            await executor.shutdown { [pool] in pool.destroy() }
            throw error
        }
        logger.debug("connected to MongoDB", metadata: ["uri": "\(redacted)", "database": "\(pool.database)"])
    }

    /// The database holding the projection collections and checkpoints.
    public var database: String { pool.database }

    public func shutdown() async throws {
        guard closed.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        await executor.shutdown { [pool] in pool.destroy() }
        logger.debug("MongoDB store closed", metadata: ["uri": "\(description)"])
    }

    /// Runs `body` with a leased client on an executor thread, retrying transient failures per
    /// `options.retry`, and maps failures to `StoreError`.
    func perform<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (inout MongoContext) throws -> T) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                guard !closed.load(ordering: .acquiring) else {
                    throw MongoFailure(kind: .closed, message: "the MongoDB store was shut down")
                }
                return try await executor.run { [pool] in
                    try pool.withClient { client in
                        var context = MongoContext(client: client, database: pool.database)
                        return try body(&context)
                    }
                }
            } catch let failure as MongoFailure {
                guard failure.kind == .transient, attempt < options.retry.maxAttempts else {
                    if failure.kind == .transient {
                        throw StoreError(.unavailable, "\(failure.message) (gave up after \(attempt) attempts)", cause: failure)
                    }
                    throw failure.storeError
                }
                let delay = options.retry.backoff(afterAttempt: attempt)
                logger.warning(
                    "transient MongoDB failure, retrying",
                    metadata: ["operation": "\(operation)", "attempt": "\(attempt)", "error": "\(failure.message)"])
                try await Task.sleep(for: delay)
            }
        }
    }

    /// Maps translation failures (thrown before any I/O) to `StoreError`.
    func translating<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let failure as MongoFailure {
            throw failure.storeError
        }
    }
}
