import Dispatch
import Foundation
import KeelCore
import KeelLog
import KeelSQLite
import Logging

/// A refusal detected before anything was written: the job fails alone, the batch goes on.
struct WriterRejection: Error {
    var error: EventLogError
    init(_ code: EventLogError.Code, _ message: String) { error = EventLogError(code, message) }
}

/// The one thread that writes the database.
///
/// Every mutation (produce, commit, create/delete topic, retention) is a job queued here. The
/// thread drains *all* pending jobs into one transaction (group commit), commits it (one fsync
/// with `synchronous=FULL`), and only then resumes the callers' continuations, so each
/// acknowledgement means "durable". Callers never block a thread: they suspend on a
/// continuation that the writer resumes.
///
/// NOTE `@unchecked Sendable`: the job queue (`WriterJobQueue`) is thread-safe on its own.
/// Everything else that is mutable (`db`, `topics`, `dirty`,
/// statements) is touched only by the writer thread: after `init` hands over, no other thread
/// reads or writes it.
final class LogWriter: @unchecked Sendable {
    struct Job {
        /// Runs on the writer thread inside the batch transaction; returns what to do once the
        /// transaction is committed. Throws `WriterRejection` if nothing was written, anything
        /// else if the transaction must be rolled back.
        let execute: (LogWriter) throws -> () -> Void
        let fail: (EventLogError) -> Void
    }

    final class Partition {
        let topicID: Int64
        let index: Int32
        var nextOffset: Int64
        var maxTs: Int64
        var lastIndexOffset: Int64
        var compactedThrough: Int64 = -1
        var dirty = false
        var insert: SQLiteStatement?

        init(topicID: Int64, index: Int32, nextOffset: Int64, maxTs: Int64, lastIndexOffset: Int64) {
            self.topicID = topicID
            self.index = index
            self.nextOffset = nextOffset
            self.maxTs = maxTs
            self.lastIndexOffset = lastIndexOffset
        }
    }

    final class Topic {
        let row: Storage.TopicRow
        let partitions: [Partition]
        let policies: Set<Substring>
        var roundRobin: Int32 = 0

        init(row: Storage.TopicRow, partitions: [Partition]) {
            self.row = row
            self.partitions = partitions
            policies = Set((row.config["cleanup.policy"] ?? "delete").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces)[...] })
        }

        var compacted: Bool { policies.contains("compact") }
    }

    private let queue = WriterJobQueue<Job>()

    // Writer-thread state.
    private var db: SQLiteConnection?
    private var topics: [String: Topic] = [:]
    private var dirty: [Partition] = []
    /// Ends written in the open transaction, published once it commits.
    private var flushedEnds: [(PartitionEnds.Key, Int64)] = []
    /// Records appended in the open transaction, and topics whose records it removed: the
    /// in-memory windows are updated once it commits.
    private var appendedRecords: [PartitionEnds.Key: [ConsumedRecord]] = [:]
    private var touchedTopics: Set<Int64> = []
    private var commitCounter: UInt64 = 0

    let databasePath: String
    let options: EmbeddedLogOptions
    let notifier: ChangeNotifier
    let ends: PartitionEnds
    let recent: RecentRecords
    let notifyFD: Int32
    let logger: Logger

    /// Starts the thread, which opens (or creates) the database; throws what opening reported.
    /// Suspends (blocks no thread) while the database opens.
    init(
        databasePath: String, notifyPath: String, options: EmbeddedLogOptions, notifier: ChangeNotifier, ends: PartitionEnds,
        recent: RecentRecords, logger: Logger
    ) async throws {
        self.databasePath = databasePath
        self.options = options
        self.notifier = notifier
        self.ends = ends
        self.recent = recent
        self.logger = logger
        notifyFD = open(notifyPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)

        do throws(EventLogError) {
            try await queue.start(
                name: "keel-log-writer", stackSize: 1 << 21,
                open: { [self] () throws(EventLogError) in
                    do throws(EventLogError) {
                        try openDatabase()
                    } catch {
                        db = nil  // closed on this thread, which opened it
                        throw error
                    }
                },
                loop: { [self] in loop() })
        } catch {
            if notifyFD >= 0 { close(notifyFD) }
            throw error
        }
    }

    // MARK: Thread

    private func openDatabase() throws(EventLogError) {
        let db = try SQLiteConnection.openWriter(path: databasePath, durableCommits: options.fsync == .everyCommit)
        if try db.hasTables() {
            try Storage.checkFormat(db)
            try db.execute(Storage.schema)
        } else {
            try db.execute("BEGIN IMMEDIATE; \(Storage.schema) COMMIT")
        }
        self.db = db
        try reloadState()
    }

    private func reloadState() throws(EventLogError) {
        guard let db else { return }
        topics = [:]
        dirty = []
        flushedEnds = []
        appendedRecords = [:]
        touchedTopics = []
        recent.clearAll()
        let partitionsStatement = try db.statement("SELECT partition, next_offset, max_ts FROM partitions WHERE topic_id = ?1 ORDER BY partition")
        let indexStatement = try db.statement("SELECT max(off) FROM time_index WHERE topic_id = ?1 AND partition = ?2")
        for row in try Storage.allTopics(db) {
            var partitions: [Partition] = []
            partitionsStatement.bind(1, row.id)
            while try partitionsStatement.step() {
                let index = Int32(partitionsStatement.int64(0))
                indexStatement.bind(1, row.id)
                indexStatement.bind(2, Int64(index))
                let lastIndex = try indexStatement.step() && !indexStatement.isNull(0) ? indexStatement.int64(0) : 0
                indexStatement.reset()
                partitions.append(
                    Partition(
                        topicID: row.id, index: index, nextOffset: partitionsStatement.int64(1),
                        maxTs: partitionsStatement.int64(2), lastIndexOffset: lastIndex))
            }
            partitionsStatement.reset()
            guard partitions.count == Int(row.partitions) else {
                throw EventLogError(
                    .invalidArgument, "\(databasePath): topic \(row.name) has \(partitions.count) partition rows, expected \(row.partitions)")
            }
            topics[row.name] = Topic(row: row, partitions: partitions)
        }
        ends.publish(
            topics.values.flatMap { topic in
                topic.partitions.map { (PartitionEnds.Key(topicID: $0.topicID, partition: $0.index), $0.nextOffset) }
            },
            replacingAll: true)
    }

    private func loop() {
        var nextRetention = options.retentionInterval.map { ContinuousClock.now.advanced(by: $0) }
        var lastBatchSize = 0
        while true {
            let busy = lastBatchSize >= options.commitDelayMinimumBatch
            let (batch, stop) = queue.take(until: nextRetention, linger: busy ? options.commitDelay : nil)
            lastBatchSize = batch.count
            if stop { break }
            if !batch.isEmpty {
                process(batch)
            } else if let due = nextRetention, ContinuousClock.now >= due {
                process([retentionJob(nowMs: Storage.nowMs(), completion: nil)])
                nextRetention = options.retentionInterval.map { ContinuousClock.now.advanced(by: $0) }
            }
        }
        db = nil  // finalizes statements and closes the connection (checkpointing the WAL)
        topics = [:]
        dirty = []
        if notifyFD >= 0 { close(notifyFD) }
        queue.markExited()
    }

    /// One transaction for the whole batch. If it fails, the batch is rolled back and each job
    /// retried in its own transaction, so one bad job cannot fail its neighbours.
    private func process(_ batch: [Job]) {
        guard let db else {
            for job in batch { job.fail(EventLogError(.closed, "the embedded log writer is closed")) }
            return
        }
        var deliveries: [() -> Void] = []
        var rejections: [(Job, EventLogError)] = []
        deliveries.reserveCapacity(batch.count)
        do {
            try db.executePrepared("BEGIN IMMEDIATE")
            do {
                for job in batch {
                    do {
                        deliveries.append(try job.execute(self))
                    } catch let rejection as WriterRejection {
                        rejections.append((job, rejection.error))
                    }
                }
                try flushPartitionState()
                try db.executePrepared("COMMIT")
            } catch {
                try? db.execute("ROLLBACK")
                throw error
            }
        } catch {
            let failure = (error as? EventLogError) ?? EventLogError(.internalError, "\(error)", cause: error)
            logger.error("embedded log write failed, rolled back", metadata: ["error": "\(failure)"])
            do {
                try reloadState()
            } catch {
                logger.critical("embedded log could not reload its state after a rollback", metadata: ["error": "\(error)"])
            }
            if batch.count > 1 {
                for job in batch { process([job]) }
            } else {
                for job in batch { job.fail(failure) }
            }
            return
        }
        if !flushedEnds.isEmpty {
            ends.publish(flushedEnds)
            flushedEnds.removeAll(keepingCapacity: true)
        }
        publishRecent()
        for delivery in deliveries { delivery() }
        for (job, error) in rejections { job.fail(error) }
        if !deliveries.isEmpty { announceCommit() }
    }

    /// After a commit: what it removed leaves memory first, then what it appended enters it (for
    /// topics it removed nothing from).
    private func publishRecent() {
        recent.clear(topicIDs: touchedTopics)
        if !touchedTopics.isEmpty { appendedRecords = appendedRecords.filter { !touchedTopics.contains($0.key.topicID) } }
        if !appendedRecords.isEmpty { recent.publish(appendedRecords) }
        appendedRecords.removeAll(keepingCapacity: true)
        touchedTopics.removeAll(keepingCapacity: true)
    }

    private func flushPartitionState() throws {
        guard !dirty.isEmpty, let db else { return }
        let update = try db.statement("UPDATE partitions SET next_offset = ?3, max_ts = ?4 WHERE topic_id = ?1 AND partition = ?2")
        for partition in dirty {
            update.bind(1, partition.topicID)
            update.bind(2, Int64(partition.index))
            update.bind(3, partition.nextOffset)
            update.bind(4, partition.maxTs)
            try update.run()
            partition.dirty = false
            flushedEnds.append((PartitionEnds.Key(topicID: partition.topicID, partition: partition.index), partition.nextOffset))
        }
        dirty.removeAll(keepingCapacity: true)
    }

    /// Wakes in-process consumers and, through inotify on `DIR/notify`, other processes.
    /// Written after the commit is visible, so a woken reader always finds the new data.
    private func announceCommit() {
        notifier.bump()
        commitCounter &+= 1
        if notifyFD >= 0 {
            var counter = commitCounter
            _ = pwrite(notifyFD, &counter, 8, 0)
        }
    }

    // MARK: Submitting

    /// Queues `body` for the writer thread and returns its result once it is committed.
    func submit<T: Sendable>(_ body: @escaping (LogWriter) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = Job(
                execute: { writer in
                    let value = try body(writer)
                    return { continuation.resume(returning: value) }
                },
                fail: { continuation.resume(throwing: $0) })
            enqueue(job)
        }
    }

    private func enqueue(_ job: Job) {
        if !queue.enqueue(job) { job.fail(EventLogError(.closed, "the embedded log was shut down")) }
    }

    /// Finishes queued jobs, then stops the thread and closes the database.
    func stop() async {
        await queue.stop()
    }

    func stopNow() {
        queue.stopNow()
    }

    // MARK: Jobs (writer thread)

    struct ProduceOutcome: Sendable {
        var coordinates: [RecordCoordinates]
        var indexes: [Int]  // input index of each coordinate; empty when all succeeded in order
        var failures: [Int: EventLogError]
    }

    func append(_ records: [OutgoingRecord], to name: String) throws -> ProduceOutcome {
        guard let db else { throw WriterRejection(.closed, "the embedded log writer is closed") }
        guard let topic = topics[name] else {
            throw WriterRejection(.unknownTopic, "topic '\(name)' does not exist (the embedded log never auto-creates topics)")
        }
        let count = Int32(topic.partitions.count)
        let now = Storage.nowMs()
        var outcome = ProduceOutcome(coordinates: [], indexes: [], failures: [:])
        outcome.coordinates.reserveCapacity(records.count)
        var sticky: Int32?
        for index in records.indices {
            let record = records[index]
            let partitionIndex: Int32
            if let explicit = record.partition {
                guard explicit >= 0, explicit < count else {
                    outcome.failures[index] = EventLogError(.unknownPartition, "topic '\(name)' has no partition \(explicit) (it has \(count))")
                    continue
                }
                partitionIndex = explicit
            } else if let key = record.key {
                partitionIndex = KafkaPartitioner.partition(forKey: key, partitions: count)
            } else if let sticky {
                partitionIndex = sticky
            } else {
                // Keyless records: sticky for one produce call, round-robin across calls.
                partitionIndex = topic.roundRobin % count
                topic.roundRobin = (topic.roundRobin &+ 1) & 0x3fff_ffff
                sticky = partitionIndex
            }
            if topic.compacted && record.key == nil {
                outcome.failures[index] = EventLogError(.invalidArgument, "topic '\(name)' is compacted: every record needs a key")
                continue
            }
            let headerBlob = HeaderCodec.encode(record.headers)
            let size = (record.key?.count ?? 0) + (record.value?.count ?? 0) + (headerBlob?.count ?? 0)
            if size > options.maxRecordBytes {
                outcome.failures[index] = EventLogError(
                    .invalidArgument, "record of \(size) bytes exceeds the embedded log's limit of \(options.maxRecordBytes)")
                continue
            }
            let partition = topic.partitions[Int(partitionIndex)]
            let offset = partition.nextOffset
            let timestamp = record.timestampMs ?? now
            if offset - partition.lastIndexOffset >= Storage.timeIndexInterval {
                let indexInsert = try db.statement("INSERT INTO time_index(topic_id, partition, off, max_before) VALUES(?1, ?2, ?3, ?4)")
                indexInsert.bind(1, partition.topicID)
                indexInsert.bind(2, Int64(partitionIndex))
                indexInsert.bind(3, offset)
                indexInsert.bind(4, partition.maxTs)
                try indexInsert.run()
                partition.lastIndexOffset = offset
            }
            let insert: SQLiteStatement
            if let cached = partition.insert {
                insert = cached
            } else {
                insert = try db.statement(
                    "INSERT INTO \(Storage.table(partition.topicID, partitionIndex))(off, ts, key, value, headers) VALUES(?1, ?2, ?3, ?4, ?5)")
                partition.insert = insert
            }
            insert.bind(1, offset)
            insert.bind(2, timestamp)
            try withOptionalBytes(record.key) { key in
                try withOptionalBytes(record.value) { value in
                    try withOptionalBytes(headerBlob) { headers in
                        if let key { insert.bindBlobNoCopy(3, key) } else { insert.bindNull(3) }
                        if let value { insert.bindBlobNoCopy(4, value) } else { insert.bindNull(4) }
                        if let headers { insert.bindBlobNoCopy(5, headers) } else { insert.bindNull(5) }
                        defer { insert.reset() }  // unbinds before the buffers go away
                        _ = try insert.step()
                    }
                }
            }
            partition.nextOffset = offset + 1
            if timestamp > partition.maxTs { partition.maxTs = timestamp }
            if !partition.dirty {
                partition.dirty = true
                dirty.append(partition)
            }
            outcome.coordinates.append(RecordCoordinates(topic: name, partition: partitionIndex, offset: offset, timestampMs: timestamp))
            if recent.maxRecords > 0 {
                appendedRecords[PartitionEnds.Key(topicID: partition.topicID, partition: partitionIndex), default: []].append(
                    ConsumedRecord(
                        topic: name, partition: partitionIndex, offset: offset, timestampMs: timestamp, key: record.key, value: record.value,
                        headers: record.headers))
            }
        }
        if !outcome.failures.isEmpty {
            // Coordinates are in input order of the successes.
            outcome.indexes = records.indices.filter { outcome.failures[$0] == nil }
        }
        return outcome
    }

    func createTopic(_ spec: TopicSpec) throws -> Bool {
        guard let db else { throw WriterRejection(.closed, "the embedded log writer is closed") }
        if topics[spec.name] != nil { return false }
        let insert = try db.statement("INSERT INTO topics(name, partitions, replication, config) VALUES(?1, ?2, ?3, ?4)")
        insert.bind(1, spec.name)
        insert.bind(2, Int64(spec.partitions))
        insert.bind(3, Int64(spec.replicationFactor))
        insert.bind(4, Storage.encodeConfig(spec.config))
        try insert.run()
        let id = db.lastInsertRowID
        let partitionInsert = try db.statement("INSERT INTO partitions(topic_id, partition, next_offset, max_ts) VALUES(?1, ?2, 0, ?3)")
        var partitions: [Partition] = []
        for index in 0..<spec.partitions {
            try db.execute(
                "CREATE TABLE \(Storage.table(id, index))(off INTEGER PRIMARY KEY, ts INTEGER NOT NULL, key BLOB, value BLOB, headers BLOB)")
            partitionInsert.bind(1, id)
            partitionInsert.bind(2, Int64(index))
            partitionInsert.bind(3, Int64.min)
            try partitionInsert.run()
            partitions.append(Partition(topicID: id, index: index, nextOffset: 0, maxTs: .min, lastIndexOffset: 0))
            flushedEnds.append((PartitionEnds.Key(topicID: id, partition: index), 0))
        }
        let row = Storage.TopicRow(id: id, name: spec.name, partitions: spec.partitions, replication: spec.replicationFactor, config: spec.config)
        topics[spec.name] = Topic(row: row, partitions: partitions)
        return true
    }

    func deleteTopic(_ name: String) throws -> Bool {
        guard let db else { throw WriterRejection(.closed, "the embedded log writer is closed") }
        guard let topic = topics[name] else { return false }
        let id = topic.row.id
        for partition in topic.partitions { partition.insert = nil }
        db.forgetStatements(containing: " r_\(id)_")
        for index in 0..<Int32(topic.partitions.count) {
            try db.execute("DROP TABLE IF EXISTS \(Storage.table(id, index))")
        }
        for sql in ["DELETE FROM partitions WHERE topic_id = ?1", "DELETE FROM time_index WHERE topic_id = ?1", "DELETE FROM topics WHERE id = ?1"] {
            let statement = try db.statement(sql)
            statement.bind(1, id)
            try statement.run()
        }
        let offsets = try db.statement("DELETE FROM group_offsets WHERE topic = ?1")
        offsets.bind(1, name)
        try offsets.run()
        dirty.removeAll { $0.topicID == id }
        touchedTopics.insert(id)
        topics[name] = nil
        return true
    }

    func commitOffsets(group: String, _ offsets: [PartitionOffset]) throws {
        guard let db else { throw WriterRejection(.closed, "the embedded log writer is closed") }
        let upsert = try db.statement(
            "INSERT INTO group_offsets(grp, topic, partition, off) VALUES(?1, ?2, ?3, ?4) ON CONFLICT(grp, topic, partition) DO UPDATE SET off = excluded.off"
        )
        for offset in offsets {
            upsert.bind(1, group)
            upsert.bind(2, offset.topicPartition.topic)
            upsert.bind(3, Int64(offset.topicPartition.partition))
            upsert.bind(4, offset.offset)
            try upsert.run()
        }
    }

    /// Applies `retention.ms` (cleanup.policy `delete`) and compaction (`compact`) to every
    /// topic; returns the number of records removed. Offsets are never reused: the end offset
    /// lives in `partitions`, not in the record tables.
    func enforceRetention(nowMs: Int64) throws -> Int {
        guard let db else { throw WriterRejection(.closed, "the embedded log writer is closed") }
        var removed = 0
        for topic in topics.values {
            let id = topic.row.id
            let removedBefore = removed
            if topic.policies.contains("delete"), let retention = topic.row.config["retention.ms"].flatMap({ Int64($0) }), retention >= 0 {
                let cutoff = nowMs - retention
                for partition in topic.partitions {
                    let table = Storage.table(id, partition.index)
                    let firstKept = try Storage.offset(db, id, partition.index, atTimestampMs: cutoff)
                    let delete = try db.statement("DELETE FROM \(table) WHERE off < ?1")
                    delete.bind(1, firstKept)
                    try delete.run()
                    removed += db.changes
                }
            }
            if topic.compacted {
                let tombstoneRetention = topic.row.config["delete.retention.ms"].flatMap { Int64($0) } ?? 86_400_000
                for partition in topic.partitions {
                    let table = Storage.table(id, partition.index)
                    if partition.compactedThrough != partition.nextOffset {
                        try db.execute(
                            "DELETE FROM \(table) WHERE key IS NOT NULL AND off NOT IN (SELECT max(off) FROM \(table) WHERE key IS NOT NULL GROUP BY key)"
                        )
                        removed += db.changes
                        partition.compactedThrough = partition.nextOffset
                    }
                    // Every tombstone left is the latest record of its key.
                    let tombstones = try db.statement("DELETE FROM \(table) WHERE value IS NULL AND ts < ?1")
                    tombstones.bind(1, nowMs - tombstoneRetention)
                    try tombstones.run()
                    removed += db.changes
                }
            }
            // What memory holds of this topic may include what was just removed.
            if removed > removedBefore { touchedTopics.insert(id) }
        }
        if removed > 0 { logger.debug("embedded log retention removed records", metadata: ["records": "\(removed)"]) }
        return removed
    }

    func retentionJob(nowMs: Int64, completion: CheckedContinuation<Int, any Error>?) -> Job {
        Job(
            execute: { writer in
                let removed = try writer.enforceRetention(nowMs: nowMs)
                return { completion?.resume(returning: removed) }
            },
            fail: { error in
                if let completion { completion.resume(throwing: error) }
            })
    }
}

@inline(__always)
private func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) throws -> R) rethrows -> R {
    guard let bytes else { return try body(nil) }
    return try bytes.withUnsafeBytes { try body($0) }
}
