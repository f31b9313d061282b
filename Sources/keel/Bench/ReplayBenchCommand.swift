import ArgumentParser
import Foundation
import KeelCore
import KeelLog
import KeelLogEmbedded
import KeelMongo
import KeelRuntime
import KeelStore
import KeelStoreEmbedded

/// `keel bench replay`: rebuild `activity` from N events with `Replayer`, on the embedded store
/// (target ≥ 150,000 events/s) and, with `--mongo`, on MongoDB as a ratio to plain bulk upserts of
/// the same resulting documents, batch by batch, to the same server in the same run (target ≥ 0.8×).
struct ReplayBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Rebuild the activity projection from N events (embedded store; MongoDB as a ratio to a bulk write)."
    )

    @Option(help: "Events to replay.") var events: Int = 1_000_000
    @Option(help: "Partitions of the benchmark topic.") var partitions: Int32 = 6
    @Option(help: "Tenants (× 8 event types × hours = documents).") var tenants: Int = 20
    @Option(help: "A MongoDB URI to benchmark against as well.") var mongo: String?
    @Option(help: "text or json") var format: OutputFormat = .text

    func validate() throws {
        guard events > 0, partitions > 0, tenants > 0 else { throw ValidationError("--events, --partitions and --tenants must be positive") }
    }

    func run() async throws {
        #if DEBUG
            Output.error("keel: warning: this is a debug build; benchmark a release build (swift build -c release)")
        #endif
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keel-bench-replay-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let logger = GlobalOptions.quietLogger()
        let log = try await EmbeddedEventLog(directory: "\(directory)/log", logger: logger)
        let topic = "keel.bench.replay"
        _ = try await log.createTopic(TopicSpec(name: topic, partitions: partitions))
        _ = try await log.createTopic(TopicSpec(name: DeadLetterEvents.topic, partitions: 1))
        try await loadEvents(log, topic: topic)
        let projector = ActivityProjector(topics: [topic])
        var results: [BenchResult] = []

        let store = try await EmbeddedProjectionStore(directory: "\(directory)/store", logger: logger)
        let embedded = try await Replayer(projector: projector, log: log, store: store, logger: logger).run()
        results.append(
            BenchResult(log: "embedded", operation: "replay activity", events: events, seconds: embedded.seconds, target: .absolute(150_000)))
        let documents = try await allDocuments(store)
        try await store.shutdown()

        if let mongo {
            let mongoStore = try await MongoProjectionStore(uri: mongo, logger: logger)
            // The reference first, then Keel: the same Replayer over the same log; only the
            // store's write path differs (see BulkWriteReferenceStore).
            let reference = BulkWriteReferenceStore(mongo: mongoStore, prefix: "bench_reference_\(UUID().uuidString.prefix(8).lowercased())_")
            let referenceRun = try await Replayer(projector: projector, log: log, store: reference, logger: logger).run()
            let replay = try await Replayer(projector: projector, log: log, store: mongoStore, logger: logger).run()
            let referenceRate = referenceRun.seconds > 0 ? Double(events) / referenceRun.seconds : 0
            results.append(
                BenchResult(
                    log: "mongodb", operation: "replay activity", events: events, seconds: replay.seconds,
                    target: .ratio(0.8, referenceRate: referenceRate)))
            try? await mongoStore.drop(.live(projector.name), collections: projector.collections + [DeadLetterEntry.collection(of: projector.name)])
            for collection in reference.writtenCollections {
                try? await mongoStore.drop(.live(collection), collections: [collection])
            }
            try await mongoStore.shutdown()
        }
        try await log.shutdown()
        switch format {
        case .json:
            Output.json(
                .object([
                    "events": .int(Int64(events)), "documents": .int(Int64(documents.count)), "results": .array(results.map(\.json)),
                ]))
        case .text:
            Output.line("activity documents: \(documents.count)")
            if mongo != nil {
                Output.line(
                    "MongoDB reference: the same replay writing each batch's resulting documents as plain unordered bulk upserts (no transaction, no checkpoint)"
                )
            }
            Output.line(
                Table.render(
                    header: ["STORE", "OPERATION", "EVENTS", "SECONDS", "EVENTS/S", "REFERENCE/S", "RATIO", "TARGET", "MET"],
                    rows: results.map(\.row)))
        }
    }

    /// `events` CloudEvents of 8 types from `tenants` tenants, one every 100 ms of event time.
    private func loadEvents(_ log: any EventLog, topic: String) async throws {
        let types = (0..<8).map { "com.example.bench.kind\($0)" }
        let batch = 5000
        for start in stride(from: 0, to: events, by: batch) {
            let records = (start..<min(start + batch, events)).map { index -> OutgoingRecord in
                var event = CloudEvent(
                    id: "e\(index)", source: "bench", type: types[index % 8],
                    time: Date(timeIntervalSince1970: 1_790_000_000 + Double(index) / 10), json: .object(["n": .int(Int64(index))]))
                event.tenantid = "t\(index % tenants)"
                event.partitionkey = "k\(index % 1000)"
                return OutgoingRecord(event)
            }
            _ = try await log.produce(records, to: topic)
        }
    }

    private func allDocuments(_ store: any ProjectionStore) async throws -> [Document] {
        var documents: [Document] = []
        var cursor: String?
        repeat {
            let page = try await store.query(
                DocumentQuery(target: .live(ActivityProjector.projectionName), collection: ActivityProjector.collection, limit: 5000, after: cursor))
            documents += page.documents
            cursor = page.nextCursor
        } while cursor != nil
        return documents
    }
}
