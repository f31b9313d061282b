import Foundation
import KeelCore
import KeelKafka
import KeelLog
import KeelMongo
import KeelRuntime
import KeelStore
import KeelTestSupport
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// The production path's servers (Kafka + MongoDB), or nil after saying why: an issue when
/// integration tests are required (CI), a printed note otherwise.
struct ProductionServers: Sendable {
    let kafka: String
    let mongo: String

    static func available(_ test: String = #function) -> ProductionServers? {
        var kafka: String?
        var mongo: String?
        for (name, availability) in [("KEEL_TEST_KAFKA", TestServers.kafka()), ("KEEL_TEST_MONGO", TestServers.mongo())] {
            switch availability {
            case .available(let address):
                if name == "KEEL_TEST_KAFKA" { kafka = address } else { mongo = address }
            case .missingButRequired(let message):
                Issue.record(Comment(rawValue: message))
                return nil
            case .notConfigured:
                print("note: \(test) not run: \(name) is not set (production path: Kafka + MongoDB)")
                return nil
            }
        }
        guard let kafka, let mongo else { return nil }
        return ProductionServers(kafka: kafka, mongo: mongo)
    }
}

/// A test's own slice of the shared servers: a unique topic (`keel.prod-…`, so the catalog rules
/// accept it in the CLI too) and a unique MongoDB database. Producing and admin go through one
/// `KafkaEventLog`; projector services get clients of their own (`makeLog()`).
final class ProductionEnvironment: @unchecked Sendable {
    // NOTE: @unchecked — every stored property is immutable after init; the log and the store
    // are thread-safe (their ports say so).
    let servers: ProductionServers
    let mongoURI: String
    let topic: String
    let partitions: Int32
    let database: String
    let suffix: String
    let log: KafkaEventLog
    let store: MongoProjectionStore

    init(_ servers: ProductionServers, mongoURI: String? = nil, partitions: Int32 = 6, storeOptions: MongoStoreOptions = .init()) async throws {
        self.servers = servers
        self.mongoURI = mongoURI ?? servers.mongo
        self.partitions = partitions
        let suffix = String(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased())
        self.suffix = suffix
        topic = "keel.prod-\(suffix)"
        database = "prod_\(suffix)"
        log = try await KafkaEventLog(configuration: KafkaLogConfiguration(bootstrapServers: servers.kafka), logger: quietLogger("kafka"))
        _ = try await log.createTopic(TopicSpec(name: topic, partitions: partitions))
        // The dead-letter topic is shared (its name is fixed); create it once if missing, exactly as
        // the catalog defines it, so `keel topics apply` on the same broker finds no drift.
        _ = try await log.createTopic(TopicSpec(catalog.topic(named: DeadLetterEvents.topic)!))
        var options = storeOptions
        options.database = database
        store = try await MongoProjectionStore(uri: self.mongoURI, options: options, logger: quietLogger("mongo"))
    }

    /// A second Kafka client (its own producer and consumers), as another process would have.
    func makeLog() async throws -> KafkaEventLog {
        var configuration = KafkaLogConfiguration(bootstrapServers: servers.kafka)
        if let debug = ProcessInfo.processInfo.environment["KEEL_TEST_RDKAFKA_DEBUG"] { configuration.consumerProperties["debug"] = debug }
        return try await KafkaEventLog(configuration: configuration, logger: quietLogger("kafka"))
    }

    /// The store URI with this test's database as its path (what `keel --store` takes).
    var storeURI: String { "\(mongoURI)/\(database)" }

    func close() async {
        try? await store.shutdown()
        try? await log.shutdown()
    }

    /// `activity` and `keys` on this test's topic, under projection names of this test's own
    /// (`activity-…`): the consumer group is `keel.projector.<name>`, and a group shared with
    /// other tests or earlier runs on the same broker would mix members (tansu 0.6 has even been
    /// seen keeping a member that left as the group's leader, stalling every later join).
    var activity: RenamedProjector { RenamedProjector(ActivityProjector(topics: [topic]), suffix: suffix) }
    var keys: RenamedProjector { RenamedProjector(KeysProjector(topics: [topic]), suffix: suffix) }

    /// Produces events (binary mode, key = partitionkey) and returns their coordinates.
    @discardableResult
    func produce(_ events: [CloudEvent]) async throws -> [RecordCoordinates] {
        let records = events.map { OutgoingRecord($0) }
        var coordinates: [RecordCoordinates] = []
        for start in stride(from: 0, to: records.count, by: 1000) {
            coordinates += try await log.produce(Array(records[start..<min(start + 1000, records.count)]), to: topic)
        }
        return coordinates
    }

    /// Every document of a collection of a generation, by id.
    func documents(_ collection: String, in target: CollectionSet) async throws -> [String: Document] {
        var result: [String: Document] = [:]
        var cursor: String?
        repeat {
            let page = try await store.query(DocumentQuery(target: target, collection: collection, limit: 1000, after: cursor))
            for document in page.documents { result[document["_id"]?.stringValue ?? "?"] = document }
            cursor = page.nextCursor
        } while cursor != nil
        return result
    }

    /// The live `activity` documents, summarised.
    func activitySummary() async throws -> [String: (count: Int64, first: Int64, last: Int64)] {
        KeelRuntimeTests.activitySummary(try await documents(ActivityProjector.collection, in: .live(activity.name)))
    }

    /// The live `keys` documents as key → (eventId, offset).
    func keysSummary() async throws -> [String: ProductionKey] {
        try await documents(KeysProjector.collection, in: .live(keys.name)).mapValues {
            ProductionKey(eventID: $0["eventId"]?.stringValue ?? "?", offset: $0["offset"]?.intValue ?? -1)
        }
    }

    /// The stored live checkpoint of `projector` on this test's topic, by partition.
    func checkpoint(_ projector: any Projector) async throws -> [Int32: Int64] {
        var result: [Int32: Int64] = [:]
        for (position, offset) in try await store.checkpoint(.live(projector.name))?.positions ?? [:] where position.topic == topic {
            result[position.partition] = offset
        }
        return result
    }
}

struct ProductionKey: Sendable, Equatable, CustomStringConvertible {
    var eventID: String
    var offset: Int64
    var description: String { "\(eventID)@\(offset)" }
}

/// What `keys` must hold: per key, the last event produced with it (one producer, so produce
/// order is offset order within the key's partition).
func expectedKeys(_ events: [CloudEvent], _ coordinates: [RecordCoordinates], topic: String) -> [String: ProductionKey] {
    var result: [String: ProductionKey] = [:]
    for (event, coordinate) in zip(events, coordinates) {
        guard let key = event.partitionkey else { continue }
        result[KeysProjector.documentID(tenant: event.tenantid ?? KeysProjector.noTenant, topic: topic, key: key)] = ProductionKey(
            eventID: event.id, offset: coordinate.offset)
    }
    return result
}

/// Next offset per partition after `coordinates` (what a checkpoint that has seen them all holds).
func nextOffsets(_ coordinates: [RecordCoordinates]) -> [Int32: Int64] {
    var result: [Int32: Int64] = [:]
    for coordinate in coordinates { result[coordinate.partition] = max(result[coordinate.partition] ?? 0, coordinate.offset + 1) }
    return result
}

/// Keyed events of 7 tenants × 3 types over ~6 hours (keys spread them over every partition).
func productionEvents(_ count: Int, start: Int = 0) -> [CloudEvent] {
    let types = ["com.example.order.placed", "com.example.order.paid", "keel.audit.action.recorded"]
    return (start..<(start + count)).map { index in
        event(
            types[index % 3], tenant: "t\(index % 7)", key: "k\(index % 101)", timeMs: 1_790_000_000_000 + Int64(index) * 6_000,
            data: .object(["n": .int(Int64(index))]))
    }
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
func eventually(timeout: Duration, every interval: Duration = .milliseconds(250), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: interval)
    }
    return try await condition()
}

/// Projector services running in a `ServiceGroup` in the background, stopped gracefully (as
/// SIGTERM would) by `stop()`.
final class RunningServices: Sendable {
    let group: ServiceGroup
    let task: Task<Void, any Error>
    private final class Ending: Sendable { let state = Mutex<String?>(nil) }
    private let ending = Ending()

    init(_ services: [ProjectorService]) {
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services.map {
                    ServiceGroupConfiguration.ServiceConfiguration(
                        service: $0, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup)
                },
                logger: quietLogger("services")))
        self.group = group
        let ending = self.ending
        task = Task {
            do {
                try await group.run()
                ending.state.withLock { $0 = "ended" }
            } catch {
                ending.state.withLock { $0 = "failed: \(error)" }
                throw error
            }
        }
    }

    /// "running", or how the group ended (for a failing test's report).
    var state: String { ending.state.withLock { $0 } ?? "running" }

    /// Graceful shutdown: the batch in hand is finished and checkpointed; returns when every service has.
    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }

}

/// A projector service on `log` with short backoffs, as `keel serve` configures it otherwise.
func productionService(
    _ projector: any Projector, log: any EventLog, store: any ProjectionStore, maxBatchSize: Int = 500, logger: Logger = quietLogger("projector"),
    onReady: @escaping @Sendable (String) -> Void = { _ in }
) -> ProjectorService {
    var configuration = ProjectorService.Configuration()
    configuration.initialBackoff = .milliseconds(50)
    configuration.maximumBackoff = .milliseconds(500)
    configuration.maxBatchSize = maxBatchSize
    return ProjectorService(
        projector: projector, log: log, store: store, configuration: configuration, logger: logger, onReady: onReady)
}

/// The real store, watched: which partitions each applied batch moved, and how many applies
/// failed (an outage seen by the runtime, not hidden by the driver's own retries).
final class ObservedStore: ForwardingStore {
    let inner: any ProjectionStore
    private let state = Mutex<(partitions: Set<Int32>, applied: Int, failed: Int)>(([], 0, 0))

    init(_ inner: any ProjectionStore) { self.inner = inner }

    var partitions: Set<Int32> { state.withLock { $0.partitions } }
    var applied: Int { state.withLock { $0.applied } }
    var failed: Int { state.withLock { $0.failed } }
    func forgetPartitions() { state.withLock { $0.partitions = [] } }
    var description: String { "observed(\(inner.description))" }

    func apply(_ batch: ProjectionBatch) async throws -> ApplyOutcome {
        do {
            let outcome = try await inner.apply(batch)
            if outcome == .applied {
                state.withLock { state in
                    state.applied += 1
                    for position in batch.checkpoint.positions.keys where position.topic != DeadLetterEvents.topic {
                        state.partitions.insert(position.partition)
                    }
                }
            }
            return outcome
        } catch {
            state.withLock { $0.failed += 1 }
            throw error
        }
    }
}

/// A SecantusDB of the test's own (own port, file storage, own run folder), driven by
/// `Scripts/mongo-runtime.sh` with `KEEL_MONGO_RUN_DIR`, so it can be restarted under a projector.
struct ProductionPrivateMongo {
    let runDirectory: String

    init() throws {
        runDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("keel-prod-mongo-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)
    }

    func start() async throws -> String { try await script("start").trimmingCharacters(in: .whitespacesAndNewlines) }
    func restart() async throws -> String { try await script("restart").trimmingCharacters(in: .whitespacesAndNewlines) }

    /// SIGKILLs the server this test started (a crash: no graceful shutdown); `restart()` brings
    /// it back on the same port with the same files.
    func kill() throws {
        let text = try String(contentsOfFile: "\(runDirectory)/secantus.pid", encoding: .utf8)
        guard let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1 else {
            throw StoreError(.internalError, "no server pid in \(runDirectory)")
        }
        Foundation.kill(pid, SIGKILL)
    }

    func stop() async {
        _ = try? await script("stop")
        try? FileManager.default.removeItem(atPath: runDirectory)
    }

    private func script(_ command: String) async throws -> String {
        let path = RepositoryPaths.root.appendingPathComponent("Scripts/mongo-runtime.sh").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["bash", path, command]
        process.environment = ProcessInfo.processInfo.environment.merging(["KEEL_MONGO_RUN_DIR": runDirectory]) { $1 }
        // A file, not a pipe: the server the script starts may inherit descriptors, and a pipe
        // would then never reach end-of-file.
        let outputPath = "\(runDirectory)/script-\(UUID().uuidString.prefix(8)).out"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardOutput = output
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            process.terminationHandler = { _ in continuation.resume() }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        try output.close()
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: outputPath)
        guard process.terminationStatus == 0 else {
            throw StoreError(.internalError, "mongo-runtime.sh \(command) exited with \(process.terminationStatus)")
        }
        return text
    }
}

/// Set once a service reported its first assignment.
final class ReadyFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .acquiring) }
    func set() { value.store(true, ordering: .releasing) }
    var callback: @Sendable (String) -> Void { { [self] _ in set() } }
}

/// A shipped projector under another projection name (same topics, collections and logic).
struct RenamedProjector: Projector {
    let inner: any Projector
    let name: String

    init(_ inner: any Projector, suffix: String) {
        self.inner = inner
        name = "\(inner.name)-\(suffix)"
    }

    var topics: [String] { inner.topics }
    var collections: [String] { inner.collections }
    var version: Int { inner.version }
    var dataVersions: [String: Int] { inner.dataVersions }
    func project(_ event: ProjectedEvent) throws(ProjectionError) -> [DocumentChange] { try inner.project(event) }
}

/// Keeps the messages logged at notice level and above, for tests that check what an operator sees.
final class CapturedLog: Sendable {
    private let lines = Mutex<[(level: Logger.Level, message: String)]>([])

    var logger: Logger {
        var logger = Logger(label: "captured") { _ in Handler(log: self) }
        logger.logLevel = .info
        return logger
    }

    func messages(_ level: Logger.Level) -> [String] { lines.withLock { $0.filter { $0.level == level }.map(\.message) } }

    /// The last `count` lines, one per line with their level (for a failing test's report).
    func transcript(last count: Int = 40) -> String {
        lines.withLock { $0.suffix(count).map { "[\($0.level)] \($0.message)" }.joined(separator: "\n") }
    }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            log.lines.withLock { $0.append((event.level, event.message.description)) }
        }
    }
}

extension ProductionEnvironment {
    /// A catalog folder of a test's own: its topic (type `com.example.order.placed`, keyed by
    /// `partitionkey`, data an object with `required`) and copies of the repository's `shared` topics.
    func testCatalog(required: [String] = [], sharing shared: [String]) throws -> TemporaryDirectory {
        let catalog = try TemporaryDirectory(prefix: "keel-prod-topics")
        let requiredJSON = required.map { "\"\($0)\"" }.joined(separator: ", ")
        let definition = """
            {"name": "\(topic)", "description": "A production-path test topic.", "partitions": \(partitions),
             "replicationFactor": 1, "cleanupPolicy": "delete", "retention": "1d",
             "key": {"description": "the partition key", "from": ["partitionkey"]}, "acceptsAnyType": false,
             "writer": "any", "tenantReadable": true,
             "eventTypes": [{"type": "com.example.order.placed", "description": "A test event.", "versions": [{"version": 1, "schema": {"type": "object", "required": [\(requiredJSON)]}}]}]}
            """
        try Data(definition.utf8).write(to: URL(fileURLWithPath: "\(catalog.path)/\(topic).json"))
        for name in shared {
            try FileManager.default.copyItem(
                atPath: RepositoryPaths.topics.appendingPathComponent("\(name).json").path, toPath: "\(catalog.path)/\(name).json")
        }
        return catalog
    }
}
