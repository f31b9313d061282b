import Dispatch
import Foundation
import KeelCore
import KeelSQLite
import KeelStore
import Logging

/// The one thread that writes the store's database.
///
/// Every mutation (apply, ensureIndexes, promote, drop, TTL purge) is a job queued here. The
/// thread drains *all* pending jobs into one transaction (group commit: concurrent applies of
/// different projections share one fsync), runs each job inside its own SAVEPOINT so a failing
/// job (a duplicate key, a type error) rolls back alone and whole, commits, and only then
/// resumes the callers, so a returned `apply` means "durable". Jobs run in queue order, so
/// batches of one projection apply in call order.
///
/// NOTE `@unchecked Sendable`: the job queue (`WriterJobQueue`) is thread-safe on its own.
/// Everything else that is mutable (`db`, the caches) is
/// touched only by the writer thread: after `init` hands over, no other thread reads or writes it.
final class StoreWriter: @unchecked Sendable {
    struct Job {
        /// Runs on the writer thread inside the job's savepoint; returns what to do once the
        /// transaction is committed. A throw rolls back the savepoint and fails the job alone.
        let execute: (StoreWriter) throws -> () -> Void
        let fail: (StoreError) -> Void
    }

    private let queue = WriterJobQueue<Job>()

    // Writer-thread state.
    private(set) var db: SQLiteConnection?
    /// Index declarations per physical collection, loaded on first use.
    var indexCache: [String: CollectionIndexes] = [:]
    /// (projection, generation) pairs known to be in `generations`.
    var knownGenerations: Set<CollectionSet> = []
    /// Which collections are keyed sets, and their buckets (`WriterKeyedSets.swift`).
    var keyedSets = KeyedSetCache()

    let databasePath: String
    let options: EmbeddedStoreOptions
    let logger: Logger

    /// Starts the thread, which opens (or creates) the database; throws what opening reported.
    /// Suspends (blocks no thread) while the database opens.
    init(databasePath: String, options: EmbeddedStoreOptions, logger: Logger) async throws {
        self.databasePath = databasePath
        self.options = options
        self.logger = logger
        try await queue.start(
            name: "keel-store-writer", stackSize: 1 << 22,
            open: { [self] () throws(StoreError) in
                do throws(StoreError) {
                    try openDatabase()
                } catch {
                    db = nil  // closed on this thread, which opened it
                    throw error
                }
            },
            loop: { [self] in loop() })
    }

    private func openDatabase() throws(StoreError) {
        let db = try SQLiteConnection.openWriter(path: databasePath, durableCommits: options.fsync == .everyCommit)
        if try db.hasTables() { try StoreSchema.checkFormat(db) }
        try db.execute("BEGIN IMMEDIATE; \(StoreSchema.schema) COMMIT")
        self.db = db
    }

    // MARK: Thread

    private func loop() {
        var nextPurge = options.ttlInterval.map { ContinuousClock.now.advanced(by: $0) }
        while true {
            var (batch, stop) = queue.take(until: nextPurge)
            if stop { break }
            if let deadline = nextPurge, ContinuousClock.now >= deadline, let interval = options.ttlInterval {
                batch.append(purgeJob(nowMs: StoreSchema.nowMs(), completion: nil))
                nextPurge = ContinuousClock.now.advanced(by: interval)
            }
            if !batch.isEmpty { process(batch) }
        }
        db = nil  // finalizes statements and closes on this thread
        queue.markExited()
    }

    /// One transaction for the whole group; one savepoint per job.
    private func process(_ batch: [Job]) {
        guard let db else {
            for job in batch { job.fail(StoreError(.closed, "the embedded store writer is closed")) }
            return
        }
        var deliveries: [() -> Void] = []
        var failed: [(Job, StoreError)] = []
        var succeeded: [Job] = []
        do throws(StoreError) {
            try db.executePrepared("BEGIN IMMEDIATE")
        } catch {
            for job in batch { job.fail(error) }
            return
        }
        for job in batch {
            do {
                try db.execute("SAVEPOINT job")
                let delivery = try job.execute(self)
                try db.execute("RELEASE job")
                deliveries.append(delivery)
                succeeded.append(job)
            } catch {
                try? db.execute("ROLLBACK TO job; RELEASE job")
                forgetCaches()
                failed.append((job, (error as? StoreError) ?? StoreError(.internalError, "\(error)")))
            }
        }
        do throws(StoreError) {
            try db.executePrepared("COMMIT")
        } catch {
            logger.error("embedded store commit failed, rolled back: \(error)")
            try? db.execute("ROLLBACK")
            forgetCaches()
            for job in succeeded { job.fail(error) }
            for (job, failure) in failed { job.fail(failure) }
            return
        }
        for delivery in deliveries { delivery() }
        for (job, failure) in failed { job.fail(failure) }
    }

    /// After a rollback the caches may describe rows that no longer exist.
    func forgetCaches() {
        indexCache.removeAll()
        knownGenerations.removeAll()
        keyedSets = KeyedSetCache()
    }

    // MARK: Submitting

    /// Queues `body` for the writer thread and returns its result once it is committed.
    func submit<T: Sendable>(_ body: @escaping (StoreWriter) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            enqueue(
                Job(
                    execute: { writer in
                        let value = try body(writer)
                        return { continuation.resume(returning: value) }
                    },
                    fail: { continuation.resume(throwing: $0) }))
        }
    }

    private func enqueue(_ job: Job) {
        if !queue.enqueue(job) { job.fail(StoreError(.closed, "the embedded store was shut down")) }
    }

    /// Finishes queued jobs, then stops the thread and closes the database.
    func stop() async {
        await queue.stop()
    }

    func stopNow() {
        queue.stopNow()
    }

    func requireDB() throws(StoreError) -> SQLiteConnection {
        guard let db else { throw StoreError(.closed, "the embedded store writer is closed") }
        return db
    }
}
