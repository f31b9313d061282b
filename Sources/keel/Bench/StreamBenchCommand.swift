import ArgumentParser
import AsyncHTTPClient
import Foundation
import KeelCore
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// `keel bench stream`: `keel serve` in its own process on an embedded directory; first one SSE
/// subscriber, then `--subscribers` of them (all on loopback, one topic) while `--rate` events
/// per second are produced. Reports deliveries per second, produce-to-delivery p50/p99 for both
/// runs, and the server's resident memory. The many-subscriber p99 is judged as a ratio to the
/// one-subscriber p99 measured in the same invocation.
struct StreamBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stream", abstract: "Live-stream fan-out: many SSE subscribers against one, the server in its own process.")

    @Option(help: "Concurrent SSE subscribers in the main run.") var subscribers: Int = 10_000
    @Option(help: "Events produced per second during each run.") var rate: Double = 10
    @Option(help: "Seconds each run produces for.") var seconds: Double = 15
    @Option(help: "Connections opened at a time while subscribers join.") var connectConcurrency: Int = 256
    @Option(help: "text or json") var format: OutputFormat = .text

    func validate() throws {
        guard subscribers >= 1, rate > 0, seconds > 0, connectConcurrency >= 1 else {
            throw ValidationError("--subscribers and --connect-concurrency must be at least 1; --rate and --seconds positive")
        }
    }

    struct Run {
        var subscribers: Int
        var produced: Int
        var deliveries: Int
        var seconds: Double
        var latenciesMs: [Double]
        var connectSeconds: Double

        var deliveryRate: Double { seconds > 0 ? Double(deliveries) / seconds : 0 }
        func percentile(_ p: Double) -> Double { latenciesMs.percentile(p) }
    }

    func run() async throws {
        StreamBenchServer.raiseOpenFileLimit()
        let server = try await StreamBenchServer.start(streams: subscribers + 16)
        defer { server.stop() }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let recorder = DeliveryRecorder()
        do {
            let token = try await BenchSetup.key(
                client: HTTPClient.shared, port: server.port, adminKey: server.adminKey, roles: ["producer", "reader"])
            let single = try await measure(subscribers: 1, server: server, token: token, group: group, recorder: recorder)
            let many = try await measure(subscribers: subscribers, server: server, token: token, group: group, recorder: recorder)
            let rss = server.memory()
            try await group.shutdownGracefully()
            report(single: single, many: many, rss: rss)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// Connects `count` subscribers, produces for `seconds` at `rate`, waits for the deliveries
    /// to drain (up to 10 s), disconnects.
    private func measure(subscribers count: Int, server: StreamBenchServer, token: String, group: EventLoopGroup, recorder: DeliveryRecorder)
        async throws -> Run
    {
        recorder.reset()
        let clock = ContinuousClock()
        let connectStart = clock.now
        var channels: [Channel] = []
        channels.reserveCapacity(count)
        var next = 0
        while next < count {
            let wave = min(connectConcurrency, count - next)
            let opened = try await withThrowingTaskGroup(of: Channel.self) { tasks in
                for _ in 0..<wave {
                    tasks.addTask { try await SSEClient.connect(port: server.port, token: token, group: group, recorder: recorder) }
                }
                var opened: [Channel] = []
                for try await channel in tasks { opened.append(channel) }
                return opened
            }
            channels += opened
            next += wave
            // Joined means the server sent its ": subscribed" line.
            while recorder.subscribed < next { try await Task.sleep(for: .milliseconds(5)) }
        }
        let connectSeconds = Double((clock.now - connectStart).components.attoseconds) / 1e18 + Double((clock.now - connectStart).components.seconds)
        recorder.startCounting()
        let produced = try await server.produce(rate: rate, seconds: seconds, token: token)
        // Let what is in flight arrive.
        let expected = produced * count
        let drainDeadline = clock.now + .seconds(10)
        while recorder.deliveries < expected, clock.now < drainDeadline { try await Task.sleep(for: .milliseconds(20)) }
        let (deliveries, latencies, window) = recorder.snapshot()
        for channel in channels { channel.close(promise: nil) }
        while recorder.open > 0 { try await Task.sleep(for: .milliseconds(20)) }
        return Run(
            subscribers: count, produced: produced, deliveries: deliveries, seconds: window, latenciesMs: latencies,
            connectSeconds: connectSeconds)
    }

    private func report(single: Run, many: Run, rss: (current: Int, peak: Int)) {
        let ratio = single.percentile(0.99) > 0 ? many.percentile(0.99) / single.percentile(0.99) : 0
        let expected = many.produced * many.subscribers
        let held = many.deliveries >= expected
        let targets: [(String, Bool)] = [
            ("\(many.subscribers) subscribers held, every event delivered to each", held),
            ("p99 ≤ 10× the one-subscriber p99", ratio <= 10),
            ("server RSS < 1 GiB", rss.peak < 1 << 30),
        ]
        switch format {
        case .json:
            func json(_ run: Run) -> JSONValue {
                .object([
                    "subscribers": .int(Int64(run.subscribers)), "produced": .int(Int64(run.produced)), "deliveries": .int(Int64(run.deliveries)),
                    "deliveriesPerSecond": .double(run.deliveryRate), "p50Ms": .double(run.percentile(0.5)), "p99Ms": .double(run.percentile(0.99)),
                    "connectSeconds": .double(run.connectSeconds),
                ])
            }
            let document: JSONValue = .object([
                "single": json(single), "many": json(many), "p99Ratio": .double(ratio),
                "serverRSSBytes": .int(Int64(rss.current)), "serverPeakRSSBytes": .int(Int64(rss.peak)),
                "targets": .array(targets.map { .object(["target": .string($0.0), "met": .bool($0.1)]) }),
            ])
            Output.line(String(decoding: document.serialized(), as: UTF8.self))
        case .text:
            func line(_ run: Run) -> String {
                String(
                    format: "%6d subscriber(s): %d events → %d deliveries (%.0f/s), produce→delivery p50 %.2f ms, p99 %.2f ms; joined in %.1f s",
                    run.subscribers, run.produced, run.deliveries, run.deliveryRate, run.percentile(0.5), run.percentile(0.99), run.connectSeconds)
            }
            Output.line(line(single))
            Output.line(line(many))
            Output.line(String(format: "p99 ratio (many / one): %.2f×", ratio))
            Output.line(String(format: "server RSS: %.0f MiB now, %.0f MiB peak", Double(rss.current) / 1_048_576, Double(rss.peak) / 1_048_576))
            for (target, met) in targets { Output.line("\(met ? "met " : "MISS") \(target)") }
        }
    }
}

/// What the subscribers received: counts and produce-to-delivery latencies. Thread-safe.
final class DeliveryRecorder: Sendable {
    private struct State {
        var subscribed = 0
        var open = 0
        var counting = false
        var deliveries = 0
        var latenciesMs: [Double] = []
        var first: UInt64 = 0
        var last: UInt64 = 0
    }

    private let state = Mutex(State())

    func reset() { state.withLock { $0 = State(open: $0.open) } }
    func startCounting() { state.withLock { $0.counting = true } }
    func joined() { state.withLock { $0.subscribed += 1 } }
    func opened() { state.withLock { $0.open += 1 } }
    func closed() { state.withLock { $0.open -= 1 } }
    var subscribed: Int { state.withLock { $0.subscribed } }
    var open: Int { state.withLock { $0.open } }
    var deliveries: Int { state.withLock { $0.deliveries } }

    /// One event arrived, sent at `sentNanoseconds` (this process's monotonic clock).
    func delivered(sentNanoseconds: UInt64) {
        let now = DispatchTime.now().uptimeNanoseconds
        state.withLock { state in
            guard state.counting else { return }
            if state.deliveries == 0 { state.first = now }
            state.last = now
            state.deliveries += 1
            state.latenciesMs.append(Double(now &- sentNanoseconds) / 1e6)
        }
    }

    /// Deliveries, latencies, and the seconds between the first and the last delivery.
    func snapshot() -> (Int, [Double], Double) {
        state.withLock { ($0.deliveries, $0.latenciesMs, Double($0.last &- $0.first) / 1e9) }
    }
}
