import Foundation
import Glibc
import KeelCore
import KeelLog
import KeelSQLite
import Logging
import Synchronization

/// A durable, single-machine, Kafka-like log in one directory: SQLite in WAL mode, one writer
/// thread with group commit, reader threads, in-process consumer groups. See
/// `docs/embedded-log.md`.
///
/// Exactly one writer process per directory (`DIR/writer.lock`, an exclusive `flock`); any
/// number of read-only instances beside it, woken by inotify when it commits.
public final class EmbeddedEventLog: EventLog {
    public let description: String
    /// The log's directory.
    public let directory: String
    public let options: EmbeddedLogOptions

    let logger: Logger
    let notifier = ChangeNotifier()
    /// Committed partition ends, kept by this process's writer (nil in read-only mode).
    let ends: PartitionEnds?
    /// The newest committed records of each partition, kept by this process's writer (nil in
    /// read-only mode).
    let recent: RecentRecords?
    let coordinator: GroupCoordinator
    let readers: ReaderPool
    let writer: LogWriter?
    private let watcher: DirectoryWatcher?
    private let lockFD: Int32
    private let closed = Atomic<Bool>(false)

    /// Opens (in writer mode: creates) the log in `directory`.
    /// Async because the database opens on the writer's thread (in writer mode) while the caller
    /// suspends: no thread blocks waiting for it.
    ///
    /// Throws `EventLogError` `.locked` when another writer holds the directory, `.invalidArgument`
    /// when the path is not a directory or holds something that is not a Keel log, and
    /// `.unreachable` when it cannot be created, read or found.
    public init(directory: String, options: EmbeddedLogOptions = .init(), logger: Logger) async throws {
        let directory = URL(fileURLWithPath: directory).standardizedFileURL.path
        self.directory = directory
        self.options = options
        self.logger = logger
        description = "embedded:\(directory)"
        coordinator = GroupCoordinator(notifier: notifier, rebalanceTimeout: options.rebalanceTimeout)
        let databasePath = "\(directory)/\(Storage.databaseName)"

        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw EventLogError(.invalidArgument, "embedded log path \(directory) is not a directory (a file is in the way)")
            }
        } else if options.mode == .writer {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw EventLogError(.unreachable, "cannot create the embedded log directory \(directory): \(error.localizedDescription)")
            }
        } else {
            throw EventLogError(.unreachable, "embedded log directory \(directory) does not exist (nothing to read)")
        }
        let accessMode = options.mode == .writer ? (R_OK | W_OK | X_OK) : (R_OK | X_OK)
        guard access(directory, accessMode) == 0 else {
            throw EventLogError(.unreachable, "embedded log directory \(directory) is not accessible: \(String(cString: strerror(errno)))")
        }

        switch options.mode {
        case .writer:
            lockFD = try Self.lock(directory)
            do {
                let ends = PartitionEnds()
                let recent = RecentRecords(
                    maxRecords: options.recentRecordsPerPartition, maxBytes: options.recentBytesPerPartition, maxRecordBytes: 64 * 1024)
                writer = try await LogWriter(
                    databasePath: databasePath, notifyPath: "\(directory)/\(Storage.notifyName)",
                    options: options, notifier: notifier, ends: ends, recent: recent, logger: logger)
                self.ends = ends
                self.recent = recent
            } catch {
                Self.unlock(lockFD)
                throw Self.openFailure(directory, error)
            }
            watcher = nil
        case .readOnly:
            lockFD = -1
            writer = nil
            ends = nil
            recent = nil
            guard FileManager.default.fileExists(atPath: databasePath) else {
                throw EventLogError(
                    .unreachable, "no embedded log in \(directory): \(Storage.databaseName) is missing (has a writer ever opened it?)")
            }
            do {
                let probe = try SQLiteConnection(path: databasePath, readOnly: true)
                try Storage.checkFormat(probe)
            } catch {
                throw Self.openFailure(directory, error)
            }
            watcher = try DirectoryWatcher(
                directory: directory,
                names: [Storage.databaseName, "\(Storage.databaseName)-wal", Storage.notifyName],
                notifier: notifier, logger: logger)
        }
        readers = ReaderPool(databasePath: databasePath, threads: options.readerThreads, label: "log", logger: logger)
        logger.debug("embedded log opened", metadata: ["directory": "\(directory)", "mode": "\(options.mode)"])
    }

    deinit {
        if !closed.load(ordering: .acquiring) {
            writer?.stopNow()
            readers.stopNow()
            watcher?.stop()
            Self.unlock(lockFD)
        }
    }

    private static func openFailure(_ directory: String, _ error: any Error) -> EventLogError {
        let cause = (error as? EventLogError) ?? EventLogError(.unreachable, "\(error)", cause: error)
        return EventLogError(cause.code, "cannot open the embedded log in \(directory): \(cause.message)", cause: cause.cause ?? error)
    }

    private static func lock(_ directory: String) throws(EventLogError) -> Int32 {
        try WriterLock.acquire(
            directory: directory, name: Storage.lockName,
            readOnlyHint: "open the log read-only (EmbeddedLogOptions(mode: .readOnly))", as: EventLogError.self)
    }

    private static func unlock(_ fd: Int32) {
        WriterLock.release(fd)
    }

    func checkOpen() throws(EventLogError) {
        if closed.load(ordering: .acquiring) { throw EventLogError(.closed, "\(description) was shut down") }
    }

    func requireWriter(_ action: String) throws(EventLogError) -> LogWriter {
        try checkOpen()
        guard let writer else {
            throw EventLogError(.invalidArgument, "cannot \(action): \(description) is open read-only (the writer is another process)")
        }
        return writer
    }

    // MARK: EventLog

    public func produce(_ records: [OutgoingRecord], to topic: String) async throws -> [RecordCoordinates] {
        let writer = try requireWriter("produce to \(topic)")
        let outcome = try await writer.submit { try $0.append(records, to: topic) }
        if outcome.failures.isEmpty { return outcome.coordinates }
        let failures = outcome.failures
        if outcome.coordinates.isEmpty, Set(failures.values.map(\.code)).count == 1, let first = failures.min(by: { $0.key < $1.key }) {
            throw first.value  // nothing acknowledged, one reason: report it plainly
        }
        throw ProduceFailure(
            topic: topic, acknowledged: Dictionary(uniqueKeysWithValues: zip(outcome.indexes, outcome.coordinates)), failures: failures)
    }

    public func makeConsumer(_ configuration: ConsumerConfiguration) async throws -> any EventConsumer {
        try checkOpen()
        guard configuration.maxBatchSize >= 1 else {
            throw EventLogError(.invalidArgument, "maxBatchSize must be at least 1 (got \(configuration.maxBatchSize))")
        }
        switch configuration.subscription {
        case .partitions(let requested, _):
            var partitions: [TopicPartition] = []
            for tp in requested where !partitions.contains(tp) { partitions.append(tp) }
            let topics = Array(Set(partitions.map(\.topic)))
            let rows = try await readers.run { db throws(EventLogError) -> [Storage.TopicRow?] in
                var rows: [Storage.TopicRow?] = []
                for name in topics { rows.append(try Storage.topic(db, named: name)) }
                return rows
            }
            var counts: [String: Int32] = [:]
            for (name, row) in zip(topics, rows) {
                guard let row else { throw EventLogError(.unknownTopic, "topic '\(name)' does not exist") }
                counts[name] = row.partitions
            }
            if let bad = partitions.first(where: { $0.partition < 0 || $0.partition >= counts[$0.topic] ?? 0 }) {
                throw EventLogError(.unknownPartition, "topic '\(bad.topic)' has no partition \(bad.partition) (it has \(counts[bad.topic] ?? 0))")
            }
            return EmbeddedConsumer(log: self, configuration: configuration, explicit: partitions, membership: nil)
        case .group(let id, let topics):
            guard !id.isEmpty else { throw EventLogError(.invalidArgument, "a consumer group id must not be empty") }
            guard !topics.isEmpty else { throw EventLogError(.invalidArgument, "a group subscription needs at least one topic") }
            let unique = Array(Set(topics))
            let rows = try await readers.run { db throws(EventLogError) -> [Storage.TopicRow?] in
                var rows: [Storage.TopicRow?] = []
                for name in unique { rows.append(try Storage.topic(db, named: name)) }
                return rows
            }
            var counts: [String: Int32] = [:]
            for (name, row) in zip(unique, rows) { if let row { counts[name] = row.partitions } }
            let member = coordinator.join(group: id, topics: unique, counts: counts)
            return EmbeddedConsumer(log: self, configuration: configuration, explicit: nil, membership: (id, member))
        }
    }

    public func createTopic(_ spec: TopicSpec) async throws -> Bool {
        let writer = try requireWriter("create topic \(spec.name)")
        try Storage.validateTopicName(spec.name)
        guard spec.partitions >= 1 else {
            throw EventLogError(.invalidArgument, "topic '\(spec.name)' needs at least 1 partition (got \(spec.partitions))")
        }
        try Self.validate(spec.config, topic: spec.name)
        let created = try await writer.submit { try $0.createTopic(spec) }
        if created { coordinator.topicChanged(spec.name, partitions: spec.partitions) }
        return created
    }

    private static func validate(_ config: [String: String], topic: String) throws(EventLogError) {
        if let policy = config["cleanup.policy"] {
            let parts = policy.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard !parts.isEmpty, parts.allSatisfy({ $0 == "delete" || $0 == "compact" }) else {
                throw EventLogError(.invalidArgument, "topic '\(topic)': cleanup.policy must be delete, compact or compact,delete (got '\(policy)')")
            }
        }
        for key in ["retention.ms", "delete.retention.ms", "retention.bytes"] {
            if let value = config[key], (Int64(value) ?? -2) < -1 {
                throw EventLogError(.invalidArgument, "topic '\(topic)': \(key) must be an integer ≥ -1 (got '\(value)')")
            }
        }
    }

    public func describeTopic(_ name: String) async throws -> TopicDescription? {
        try checkOpen()
        let row = try await readers.run { db throws(EventLogError) in try Storage.topic(db, named: name) }
        return row.map { TopicDescription(name: $0.name, partitions: $0.partitions, replicationFactor: $0.replication, config: $0.config) }
    }

    public func listTopics() async throws -> [String] {
        try checkOpen()
        return try await readers.run { db throws(EventLogError) in try Storage.allTopics(db).map(\.name) }
            .filter { !$0.hasPrefix("__") }
            .sorted()
    }

    public func deleteTopic(_ name: String) async throws -> Bool {
        let writer = try requireWriter("delete topic \(name)")
        let deleted = try await writer.submit { try $0.deleteTopic(name) }
        if deleted { coordinator.topicChanged(name, partitions: nil) }
        return deleted
    }

    public func offsets(topic: String, atTimestampMs timestampMs: Int64) async throws -> [Int32: Int64] {
        try checkOpen()
        return try await readers.run { db throws(EventLogError) -> [Int32: Int64] in
            try db.readTransaction { () throws(EventLogError) -> [Int32: Int64] in
                guard let row = try Storage.topic(db, named: topic) else {
                    throw EventLogError(.unknownTopic, "topic '\(topic)' does not exist")
                }
                var result: [Int32: Int64] = [:]
                for partition in 0..<row.partitions {
                    result[partition] = try Storage.offset(db, row.id, partition, atTimestampMs: timestampMs)
                }
                return result
            }
        }
    }

    /// Removes records that `retention.ms` (policy `delete`) or compaction (policy `compact`)
    /// no longer keep, as of `nowMs`; returns how many. The writer thread also runs this every
    /// `options.retentionInterval`.
    @discardableResult
    public func enforceRetention(nowMs: Int64 = Int64(Date().timeIntervalSince1970 * 1000)) async throws -> Int {
        let writer = try requireWriter("enforce retention")
        return try await writer.submit { try $0.enforceRetention(nowMs: nowMs) }
    }

    public func shutdown() async throws {
        guard closed.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        await writer?.stop()
        watcher?.stop()
        await readers.stop()
        Self.unlock(lockFD)
        notifier.bump()  // pending polls wake and throw `.closed`
        logger.debug("embedded log closed", metadata: ["directory": "\(directory)"])
    }
}
