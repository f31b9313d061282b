import Foundation
import Glibc
import KeelCore
import KeelSQLite
import KeelStore
import Logging
import Synchronization

/// A durable, single-machine `ProjectionStore` in one directory: SQLite in WAL mode
/// (`DIR/store.db`), one writer thread with group commit, reader threads. See
/// `docs/embedded-store.md`.
///
/// Guarantees (beyond the port's):
/// - `apply` returns once the batch and its checkpoint are committed (fsync'ed with the default
///   `.everyCommit`); a crash keeps all of a batch or none of it.
/// - Exactly one writer process per directory (`DIR/writer.lock`); any number of `.readOnly`
///   instances beside it.
/// - Writes run on the writer thread and queries on reader threads; callers suspend. Look-ups by
///   `_id` (`find`) of up to 32 ids, one index probe each, run on the caller's thread with a
///   borrowed connection (`SQLiteInlineReaders`), and on a reader thread when none is free.
public final class EmbeddedProjectionStore: ProjectionStore {
    public let description: String
    public let directory: String
    public let options: EmbeddedStoreOptions

    let logger: Logger
    let readers: ReaderPool
    let inlineReaders: InlineReaders
    let writer: StoreWriter?
    private let lockFD: Int32
    private let closed = Atomic<Bool>(false)

    /// Opens (in writer mode: creates) the store in `directory`.
    /// Async because the database opens on the writer's thread (in writer mode) while the caller
    /// suspends: no thread blocks waiting for it.
    ///
    /// Throws `StoreError` `.locked` when another writer holds the directory, `.invalidRequest`
    /// when the path is not a directory or holds something that is not a Keel store, and
    /// `.unavailable` when it cannot be created, read or found.
    public init(directory: String, options: EmbeddedStoreOptions = .init(), logger: Logger) async throws {
        let directory = URL(fileURLWithPath: directory).standardizedFileURL.path
        self.directory = directory
        self.options = options
        self.logger = logger
        description = "embedded:\(directory)"
        let databasePath = "\(directory)/\(StoreSchema.databaseName)"

        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw StoreError(.invalidRequest, "embedded store path \(directory) is not a directory")
            }
        } else if options.mode == .writer {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw StoreError(.unavailable, "cannot create the embedded store directory \(directory): \(error.localizedDescription)")
            }
        } else {
            throw StoreError(.unavailable, "embedded store directory \(directory) does not exist (nothing to read)")
        }

        switch options.mode {
        case .writer:
            lockFD = try WriterLock.acquire(
                directory: directory, name: StoreSchema.lockName,
                readOnlyHint: "open the store read-only (EmbeddedStoreOptions(mode: .readOnly))", as: StoreError.self)
            do {
                writer = try await StoreWriter(databasePath: databasePath, options: options, logger: logger)
            } catch {
                WriterLock.release(lockFD)
                throw Self.openFailure(directory, error)
            }
        case .readOnly:
            lockFD = -1
            writer = nil
            guard FileManager.default.fileExists(atPath: databasePath) else {
                throw StoreError(
                    .unavailable, "no embedded store in \(directory): \(StoreSchema.databaseName) is missing (has a writer ever opened it?)")
            }
            do {
                let probe = try SQLiteConnection(path: databasePath, readOnly: true)
                try StoreSchema.checkFormat(probe)
            } catch {
                throw Self.openFailure(directory, error)
            }
        }
        readers = ReaderPool(databasePath: databasePath, threads: options.readerThreads, label: "store", logger: logger)
        inlineReaders = InlineReaders(databasePath: databasePath, limit: options.readerThreads)
        logger.debug("embedded store opened", metadata: ["directory": "\(directory)", "mode": "\(options.mode)"])
    }

    deinit {
        if !closed.load(ordering: .acquiring) {
            writer?.stopNow()
            readers.stopNow()
            WriterLock.release(lockFD)
        }
    }

    private static func openFailure(_ directory: String, _ error: any Error) -> StoreError {
        let cause = (error as? StoreError) ?? StoreError(.unavailable, "\(error)")
        return StoreError(cause.code, "cannot open the embedded store in \(directory): \(cause.message)")
    }

    func checkOpen() throws(StoreError) {
        if closed.load(ordering: .acquiring) { throw StoreError(.closed, "\(description) was shut down") }
    }

    func requireWriter(_ action: String) throws(StoreError) -> StoreWriter {
        try checkOpen()
        guard let writer else {
            throw StoreError(.invalidRequest, "cannot \(action): \(description) is open read-only")
        }
        return writer
    }

    // MARK: Writing

    public func apply(_ batch: ProjectionBatch) async throws -> ApplyOutcome {
        let writer = try requireWriter("apply a batch to \(batch.target)")
        return try await writer.submit { try $0.apply(batch) }
    }

    public func checkpoint(_ target: CollectionSet) async throws -> ProjectionCheckpoint? {
        try checkOpen()
        let positions = try await readers.run { db throws(StoreError) in
            try StoreQueries.checkpoint(db, projection: target.projection, generation: StoreSchema.generationColumn(target))
        }
        return positions.isEmpty ? nil : ProjectionCheckpoint(positions: positions)
    }

    // MARK: Reading

    public func find(_ target: CollectionSet, collection: String, id: String) async throws -> Document? {
        try await find(target, collection: collection, ids: [id])[id]
    }

    /// Look-ups of at most this many ids run on the caller's thread.
    static let inlineLookUpLimit = 32

    /// One read transaction for all of them: on the caller's thread when there are at most
    /// `inlineLookUpLimit` and a connection is free, else on a reader thread.
    public func find(_ target: CollectionSet, collection: String, ids: [String]) async throws -> [String: Document] {
        try checkOpen()
        if ids.isEmpty { return [:] }
        let now = StoreSchema.nowMs()
        let physical = target.physicalName(collection)
        let lookUp = { @Sendable (db: SQLiteConnection) throws(StoreError) -> [String: Document] in
            // Whether the collection is a keyed set changes only with its generation (a promote),
            // and each statement below reads one snapshot whichever layout it probes.
            let keyedSet = try StoreQueries.keyedSetLayout(db, collection: physical) != nil
            if ids.count == 1 {  // one statement is its own snapshot
                return try StoreQueries.find(db, collection: physical, id: ids[0], now: now, keyedSet: keyedSet).map { [ids[0]: $0] } ?? [:]
            }
            return try db.readTransaction { () throws(StoreError) -> [String: Document] in
                var found: [String: Document] = [:]
                for id in ids where found[id] == nil {
                    if let document = try StoreQueries.find(db, collection: physical, id: id, now: now, keyedSet: keyedSet) {
                        found[id] = document
                    }
                }
                return found
            }
        }
        // A few probes cost less than two thread hops; hundreds (a large batch) would hold a
        // cooperative thread for milliseconds, so they go to a reader thread.
        if ids.count <= Self.inlineLookUpLimit, let found = try inlineReaders.read(lookUp) { return found }
        return try await readers.run(lookUp)
    }

    public func query(_ query: DocumentQuery) async throws -> DocumentPage {
        try checkOpen()
        let now = StoreSchema.nowMs()
        return try await readers.run { db throws(StoreError) in try StoreQueries.query(db, query, now: now) }
    }

    public func count(_ target: CollectionSet, collection: String, filter: [FieldFilter]) async throws -> Int {
        try checkOpen()
        let now = StoreSchema.nowMs()
        return try await readers.run { db throws(StoreError) in
            try StoreQueries.count(db, collection: target.physicalName(collection), filter: filter, now: now)
        }
    }

    public func aggregate(_ aggregation: Aggregation) async throws -> [AggregationRow] {
        try checkOpen()
        let now = StoreSchema.nowMs()
        return try await readers.run { db throws(StoreError) in try StoreQueries.aggregate(db, aggregation, now: now) }
    }

    // MARK: Collections and generations

    public func ensureIndexes(_ target: CollectionSet, collection: String, indexes: [IndexSpec]) async throws {
        let writer = try requireWriter("declare indexes on \(target.physicalName(collection))")
        try await writer.submit { try $0.ensureIndexes(target, collection: collection, specs: indexes) }
    }

    public func generations(of projection: String) async throws -> [CollectionSet] {
        try checkOpen()
        return try await readers.run { db throws(StoreError) in try StoreQueries.generations(db, projection: projection) }
    }

    public func promote(_ shadow: CollectionSet, collections: [String]) async throws {
        let writer = try requireWriter("promote \(shadow)")
        try await writer.submit { try $0.promote(shadow, collections: collections) }
    }

    public func drop(_ target: CollectionSet, collections: [String]) async throws {
        let writer = try requireWriter("drop \(target)")
        try await writer.submit { try $0.drop(target, collections: collections) }
    }

    /// Deletes the documents TTL indexes expired as of `nowMs` (they are already invisible to
    /// reads); returns how many. The writer also does this every `options.ttlInterval`.
    @discardableResult
    public func purgeExpired(nowMs: Int64 = Int64(Date().timeIntervalSince1970 * 1000)) async throws -> Int {
        let writer = try requireWriter("purge expired documents")
        return try await writer.submit { try $0.purgeExpired(nowMs: nowMs) }
    }

    public func shutdown() async throws {
        guard closed.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        await writer?.stop()
        inlineReaders.close()
        await readers.stop()
        WriterLock.release(lockFD)
        logger.debug("embedded store closed", metadata: ["directory": "\(directory)"])
    }
}
