import ArgumentParser
import AsyncHTTPClient
import Foundation
import KeelCore
import KeelExecutor
import KeelLog
import KeelLogEmbedded
import KeelWorkflow
import Synchronization

/// `keel bench workflows`: the executor and the timer service in this process on a fresh embedded
/// log, against the floor measured in the same run (one durable produce, acknowledged, then
/// consumed). Reports per-step overhead, throughput at concurrency 50 and timer lateness.
struct WorkflowBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workflows",
        abstract: "Per-step overhead, runs/s and timer lateness of the executor on the embedded log (ratios against the log's floor)."
    )

    @Option(help: "Runs of the 10-step workflow at concurrency 1.") var serialRuns: Int = 50
    @Option(help: "Runs of the 3-step workflow at concurrency 50.") var runs: Int = 2000
    @Option(help: "Runs in flight for the throughput measurement.") var concurrency: Int = 50
    @Option(help: "Sleeps of random 0–5 s for the timer measurement (0 skips it).") var sleeps: Int = 10_000
    @Option(help: "Floor round trips.") var floorTrips: Int = 200

    func run() async throws {
        #if DEBUG
            Output.error("keel: warning: this is a debug build; benchmark a release build (swift build -c release)")
        #endif
        let catalog = try GlobalOptions.parse([]).loadCatalog()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keel-bench-wf-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fsync = try Self.fsyncMedianMs(in: FileManager.default.temporaryDirectory.path)
        let log = try await EmbeddedEventLog(directory: directory, logger: GlobalOptions.quietLogger())
        for topic in catalog.topics where try await log.describeTopic(topic.name) == nil { _ = try await log.createTopic(TopicSpec(topic)) }
        let writer = KeelEventWriter(log: log, catalog: catalog, source: "/keel/bench")
        let floor = try await WorkflowBenchWorkload.floor(log: log, writer: writer, trips: floorTrips)
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let executor = ExecutorService(writer: writer, runners: StepRunners([HTTPStep(client: client)]), logger: GlobalOptions.quietLogger())
        let timers = TimerService(writer: writer, logger: GlobalOptions.quietLogger())
        let workload = WorkflowBenchWorkload(log: log, writer: writer)
        let report: String = try await withThrowingTaskGroup(of: String?.self) { group in
            group.addTask {
                try await executor.run()
                return nil
            }
            group.addTask {
                try await timers.run()
                return nil
            }
            group.addTask { try await workload.watch() }
            var lines: [String] = []
            lines.append(
                String(
                    format: "floor (produce → ack → consume): p50 %.3f ms, p99 %.3f ms; fsync p50 %.3f ms", floor.percentile(0.5),
                    floor.percentile(0.99), fsync))
            let steps = try await workload.perStep(runs: serialRuns)
            lines.append(
                String(
                    format: "per step (10 set steps, concurrency 1): p50 %.3f ms (%.2f× floor p50; target ≤ 2×), p99 %.3f ms", steps.percentile(0.5),
                    steps.percentile(0.5) / floor.percentile(0.5), steps.percentile(0.99)))
            let (perSecond, latencies) = try await workload.throughput(runs: runs, concurrency: concurrency)
            lines.append(
                String(
                    format: "throughput (3 set steps, concurrency %d): %.0f runs/s; start→complete p50 %.2f ms, p99 %.2f ms", concurrency, perSecond,
                    latencies.percentile(0.5), latencies.percentile(0.99)))
            if sleeps > 0 {
                let lateness = try await workload.timers(count: sleeps)
                lines.append(
                    String(
                        format: "timers (%d sleeps of 0–5 s): lateness p50 %.1f ms, p99 %.1f ms (bound ≤ 50 ms)", sleeps, lateness.percentile(0.5),
                        lateness.percentile(0.99)))
            }
            group.cancelAll()
            return lines.joined(separator: "\n")
        }
        try await client.shutdown()
        try await log.shutdown()
        Output.line(report)
    }

    /// The machine's fsync latency: the median of 100 write+fsync of 4 KiB.
    static func fsyncMedianMs(in directory: String) throws -> Double {
        let path = "\(directory)/keel-fsync-\(UUID().uuidString.prefix(8))"
        let descriptor = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0o600)
        guard descriptor >= 0 else { throw CLIFailure.runtime("cannot open \(path)") }
        defer {
            close(descriptor)
            unlink(path)
        }
        let block = [UInt8](repeating: 7, count: 4096)
        var samples: [Double] = []
        for _ in 0..<100 {
            let started = ContinuousClock.now
            _ = block.withUnsafeBytes { write(descriptor, $0.baseAddress, 4096) }
            fsync(descriptor)
            samples.append((ContinuousClock.now - started).milliseconds)
        }
        return samples.percentile(0.5)
    }
}

extension Duration {
    var milliseconds: Double { Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15 }
}
