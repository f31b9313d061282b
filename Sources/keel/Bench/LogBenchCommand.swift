import ArgumentParser
import Foundation
import KeelCore
import KeelKafka
import KeelLog
import KeelLogEmbedded
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
    @Option(help: "Records per produce call.") var batch: Int = 10_000
    @Option(help: "Produce calls in flight at once (the C reference keeps its whole queue in flight).") var inflight: Int = 8
    @Option(help: "Partitions of each benchmark topic.") var partitions: Int32 = 3
    @Option(help: "A Kafka broker HOST:PORT to benchmark against as well.") var kafka: String?
    @Option(name: .customLong("reference-client"), help: "The C reference client (Scripts/bench/build-ref.sh builds it).")
    var referenceClient: String = ".tools/bench/rdkafka_ref"
    @Option(name: .customLong("kafka-config"), help: "A librdkafka property for Keel's client (repeatable).")
    var kafkaConfig: [String] = []
    @Option(help: "Rounds per measurement; the median is reported (reference and Keel alternate each round).")
    var rounds: Int = 3
    @Flag(help: "Skip the embedded log.") var skipEmbedded = false
    @Option(help: "text or json") var format: OutputFormat = .text

    func validate() throws {
        guard events > 0, size > 0, batch > 0, inflight > 0, partitions > 0, rounds > 0 else {
            throw ValidationError("--events, --size, --batch, --inflight, --partitions and --rounds must be positive")
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
            let log = try await EmbeddedEventLog(directory: directory, logger: GlobalOptions.quietLogger())
            var produce: [Double] = []
            var consume: [Double] = []
            for _ in 0..<rounds {
                let measured = try await workload.run(on: log)
                produce.append(measured.produceSeconds)
                consume.append(measured.consumeSeconds)
            }
            try await log.shutdown()
            results.append(BenchResult(log: "embedded", operation: "produce", events: events, seconds: median(produce), target: .absolute(300_000)))
            results.append(BenchResult(log: "embedded", operation: "consume", events: events, seconds: median(consume), target: .absolute(1_000_000)))
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
        let reference = ReferenceClient(path: referenceClient, bootstrap: bootstrap)
        var referenceProduce: [Double] = []
        var referenceConsume: [Double] = []
        var keelProduce: [Double] = []
        var keelConsume: [Double] = []
        for _ in 0..<rounds {
            let referenceTopic = "keel.bench.reference-\(UUID().uuidString.prefix(8).lowercased())"
            _ = try await log.createTopic(TopicSpec(name: referenceTopic, partitions: partitions))
            // Each operation runs the reference first, then Keel, on the same broker with the same
            // shape of data; the medians over the rounds are compared.
            referenceProduce.append(try reference.run(["produce", "--topic", referenceTopic, "--count", "\(events)", "--size", "\(size)"]))
            let keel = try await workload.run(on: log) {
                try reference.run(["consume", "--topic", referenceTopic, "--count", "\(events)"])
            }
            keelProduce.append(keel.produceSeconds)
            keelConsume.append(keel.consumeSeconds)
            referenceConsume.append(keel.betweenResult ?? 0)
            _ = try? await log.deleteTopic(referenceTopic)
        }
        try await log.shutdown()
        return [
            BenchResult(
                log: "kafka", operation: "produce", events: events, seconds: median(keelProduce),
                target: .ratio(0.85, referenceRate: median(referenceProduce))),
            BenchResult(
                log: "kafka", operation: "consume", events: events, seconds: median(keelConsume),
                target: .ratio(0.85, referenceRate: median(referenceConsume))),
        ]
    }

    private func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }

    private func report(_ results: [BenchResult]) {
        switch format {
        case .json:
            Output.json(
                .object([
                    "events": .int(Int64(events)), "valueSize": .int(Int64(size)),
                    "results": .array(results.map(\.json)),
                ]))
        case .text:
            let rows = results.map(\.row)
            Output.line(
                Table.render(header: ["LOG", "OPERATION", "EVENTS", "SECONDS", "EVENTS/S", "REFERENCE/S", "RATIO", "TARGET", "MET"], rows: rows))
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
