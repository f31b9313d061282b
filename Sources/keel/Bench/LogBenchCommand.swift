import ArgumentParser
import Foundation
import KeelCore
import KeelKafka
import KeelLog
import Logging

/// `keel bench log`: produce then consume N events of ~B bytes on the embedded log and, when a
/// broker is given, on Kafka — beside the C reference client on the same broker, as a ratio.
struct LogBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Produce and consume N events on the embedded log and on Kafka (ratio against a C librdkafka client)."
    )

    @Option(help: "Events per run.") var events: Int = 1_000_000
    @Option(help: "Value size in bytes.") var size: Int = 200
    @Option(help: "Records per produce call.") var batch: Int = 1000
    @Option(help: "Produce calls in flight at once.") var inflight: Int = 4
    @Option(help: "Partitions of each benchmark topic.") var partitions: Int32 = 3
    @Option(help: "A Kafka broker HOST:PORT to benchmark against as well.") var kafka: String?
    @Option(name: .customLong("reference-client"), help: "The C reference client (Scripts/bench/build-ref.sh builds it).")
    var referenceClient: String = ".tools/bench/rdkafka_ref"
    @Option(name: .customLong("kafka-config"), help: "A librdkafka property for Keel's client (repeatable).")
    var kafkaConfig: [String] = []
    @Flag(help: "Skip the embedded log.") var skipEmbedded = false
    @Option(help: "text or json") var format: OutputFormat = .text

    func validate() throws {
        guard events > 0, size > 0, batch > 0, inflight > 0, partitions > 0 else {
            throw ValidationError("--events, --size, --batch, --inflight and --partitions must be positive")
        }
    }

    func run() async throws {
        #if DEBUG
        Output.error("keel: warning: this is a debug build; benchmark a release build (swift build -c release)")
        #endif
        let workload = LogWorkload(events: events, valueSize: size, batchSize: batch, inflight: inflight, partitions: partitions)
        var results: [BenchResult] = []
        if !skipEmbedded {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keel-bench-\(UUID().uuidString.prefix(8))").path
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let log = try EmbeddedEventLog(directory: directory, logger: GlobalOptions.quietLogger())
            let measured = try await workload.run(on: log)
            try await log.shutdown()
            results.append(BenchResult(log: "embedded", operation: "produce", events: events, seconds: measured.produceSeconds, target: .absolute(300_000)))
            results.append(BenchResult(log: "embedded", operation: "consume", events: events, seconds: measured.consumeSeconds, target: .absolute(1_000_000)))
        }
        if let kafka {
            results += try await benchKafka(bootstrap: kafka, workload: workload)
        }
        report(results)
    }

    private func benchKafka(bootstrap: String, workload: LogWorkload) async throws -> [BenchResult] {
        var configuration = KafkaLogConfiguration(bootstrapServers: bootstrap)
        for pair in kafkaConfig {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            configuration.properties[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        let log = try await KafkaEventLog(configuration: configuration, logger: GlobalOptions.quietLogger())
        let referenceTopic = "keel.bench.reference-\(UUID().uuidString.prefix(8).lowercased())"
        _ = try await log.createTopic(TopicSpec(name: referenceTopic, partitions: partitions))
        let reference = ReferenceClient(path: referenceClient, bootstrap: bootstrap)
        // The reference goes first on each operation, on the same broker, with the same shape of data.
        let referenceProduce = try reference.run(["produce", "--topic", referenceTopic, "--count", "\(events)", "--size", "\(size)"])
        let keel = try await workload.run(on: log) {
            try reference.run(["consume", "--topic", referenceTopic, "--count", "\(events)"])
        }
        _ = try? await log.deleteTopic(referenceTopic)
        try await log.shutdown()
        return [
            BenchResult(log: "kafka", operation: "produce", events: events, seconds: keel.produceSeconds, target: .ratio(0.85, referenceRate: referenceProduce)),
            BenchResult(log: "kafka", operation: "consume", events: events, seconds: keel.consumeSeconds, target: .ratio(0.85, referenceRate: keel.betweenResult ?? 0)),
        ]
    }

    private func report(_ results: [BenchResult]) {
        switch format {
        case .json:
            Output.json(.object([
                "events": .int(Int64(events)), "valueSize": .int(Int64(size)),
                "results": .array(results.map(\.json)),
            ]))
        case .text:
            let rows = results.map(\.row)
            Output.line(Table.render(header: ["LOG", "OPERATION", "EVENTS", "SECONDS", "EVENTS/S", "REFERENCE/S", "RATIO", "TARGET", "MET"], rows: rows))
        }
    }
}

extension GlobalOptions {
    static func quietLogger() -> Logging.Logger {
        var logger = Logging.Logger(label: "keel.bench") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .warning
        return logger
    }
}
