import ArgumentParser
import AsyncHTTPClient
import Foundation
import Hummingbird
import KeelCore
import KeelGateway
import KeelLog
import KeelLogEmbedded
import KeelRuntime
import KeelStore
import KeelStoreEmbedded
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// `keel bench ingest`: posts CloudEvents to a real gateway (embedded log and store in a temporary
/// directory) on loopback, single events and batches of 100, and — in the same run, with the same
/// load generator — to a bare Hummingbird endpoint that does no work. The gateway's result is
/// reported as a ratio to the bare endpoint's (its overhead), plus events/s and p50/p99 latency.
struct IngestBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest", abstract: "Gateway ingest throughput and latency against a bare Hummingbird endpoint.")

    @Option(help: "Seconds per measurement.") var seconds: Double = 5
    /// 64: a closed loop needs enough requests in flight to keep the server's cores busy. At
    /// 32 the gateway idles while every answer waits for its fsync'ed commit, and the ratio
    /// then measures disk latency rather than the gateway's cost (docs/benchmarks.md).
    @Option(help: "Concurrent connections of the load generator.") var connections: Int = 64
    @Option(help: "Slices per measurement: the bare endpoint and the gateway take turns, so both see the same machine.")
    var rounds: Int = 5
    @Option(name: .customLong("batch-size"), help: "Events per batch request.") var batchSize: Int = 100
    @Option(help: "text or json") var format: OutputFormat = .text
    @Option(
        help:
            "gateway: the gateway role alone, projectors elsewhere (what the targets are about); all: every projector on the same cores too, as `keel serve` runs by default."
    )
    var roles: BenchRoles = .gateway
    @Flag(help: "Measure the gateway only (no bare reference run; for profiling).") var gatewayOnly = false
    @Flag(help: "Measure single-event requests only (no batches; for profiling).") var singleOnly = false

    enum BenchRoles: String, ExpressibleByArgument, Sendable {
        case all, gateway
    }

    struct Measurement {
        var target: String
        var mode: String
        var requests: Int
        var events: Int
        var seconds: Double
        var latencies: [Double]
        var failures: Int

        var requestRate: Double { Double(requests) / seconds }
        var eventRate: Double { Double(events) / seconds }

        /// Two slices of the same target and mode as one measurement.
        func adding(_ other: Measurement) -> Measurement {
            Measurement(
                target: target, mode: mode, requests: requests + other.requests, events: events + other.events,
                seconds: seconds + other.seconds, latencies: latencies + other.latencies, failures: failures + other.failures)
        }
        func percentile(_ p: Double) -> Double { latencies.percentile(p) }
    }

    func validate() throws {
        guard seconds > 0, connections >= 1, rounds >= 1, batchSize >= 1 else {
            throw ValidationError("--seconds must be positive and --connections, --rounds and --batch-size at least 1")
        }
    }

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keel-bench-ingest-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let quiet = Logger(label: "keel.bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let catalog = try GlobalOptions.parse([]).loadCatalog()
        let log = try await EmbeddedEventLog(directory: "\(directory)/log", logger: quiet)
        let store = try await EmbeddedProjectionStore(directory: "\(directory)/store", logger: quiet)
        try await ServeCommand.createMissingTopics(catalog, in: log)
        let access = AccessService(log: log, logger: quiet)
        let adminKey = "bench-admin-\(UUID().uuidString)"
        var configuration = GatewayConfiguration()
        (configuration.host, configuration.port, configuration.adminKey) = ("127.0.0.1", 0, adminKey)
        configuration.rateLimits.enabled = false
        let projectors = StandardProjections.all(catalog: catalog)
        // As `keel serve` runs them: one shared decoder for all projectors.
        var projectorConfiguration = ProjectorService.Configuration()
        projectorConfiguration.decoder = SharedRecordDecoder()
        let ports = Mutex<[String: Int]>([:])
        let gateway = buildGateway(
            configuration: configuration,
            dependencies: GatewayDependencies(log: log, store: store, catalog: catalog, projectors: projectors, access: access, logger: quiet),
            services: [access]
                + (roles == .all
                    ? projectors.map {
                        ProjectorService(projector: $0, log: log, store: store, configuration: projectorConfiguration, logger: quiet) as any Service
                    } : [])
        ) { url in ports.withLock { $0["gateway"] = Int(url.split(separator: ":").last!) } }
        let bare = Self.bareApplication(logger: quiet) { port in ports.withLock { $0["bare"] = port } }
        let group = ServiceGroup(configuration: .init(services: [gateway, bare], logger: quiet))
        var results: [Measurement] = []
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            while ports.withLock({ $0.count }) < 2 { try await Task.sleep(for: .milliseconds(50)) }
            let (gatewayPort, barePort) = ports.withLock { ($0["gateway"]!, $0["bare"]!) }
            var clientConfiguration = HTTPClient.Configuration()
            clientConfiguration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = connections
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
            do {
                let token = try await BenchSetup.key(client: client, port: gatewayPort, adminKey: adminKey, roles: ["producer"])
                let targets = gatewayOnly ? [("gateway", gatewayPort)] : [("bare", barePort), ("gateway", gatewayPort)]
                // The targets take turns, `rounds` slices each, so that a change in the machine's
                // speed during the run (other tenants of the host) weighs on both alike.
                let slice = seconds / Double(rounds)
                for batch in singleOnly ? [1] : [1, batchSize] {
                    var merged: [String: Measurement] = [:]
                    for _ in 0..<rounds {
                        for (target, port) in targets {
                            var part = try await measure(client: client, target: target, port: port, token: token, batch: batch, seconds: slice)
                            if target == "gateway", roles == .all {
                                // Until the projections have caught up: falling behind must not pass.
                                part.seconds += try await Self.drainSeconds(log: log, store: store, projectors: projectors)
                            }
                            merged[target] = merged[target].map { $0.adding(part) } ?? part
                        }
                    }
                    results += targets.compactMap { merged[$0.0] }
                }
                try await client.shutdown()
            } catch {
                try? await client.shutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        try? await store.shutdown()
        try? await log.shutdown()
        report(results)
    }

    private func measure(client: HTTPClient, target: String, port: Int, token: String, batch: Int, seconds: Double) async throws -> Measurement {
        let mode = batch == 1 ? "single" : "batch \(batch)"
        let deadline = ContinuousClock().now + .milliseconds(Int64(seconds * 1000))
        let started = ContinuousClock().now
        let run = UUID().uuidString.prefix(8)
        let workers = try await withThrowingTaskGroup(of: (Int, [Double], Int).self) { group in
            for worker in 0..<connections {
                group.addTask {
                    var latencies: [Double] = []
                    var failures = 0
                    var sequence = 0
                    while ContinuousClock().now < deadline {
                        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/events")
                        request.method = .POST
                        request.headers.add(name: "Authorization", value: "Bearer \(token)")
                        let body: String
                        if batch == 1 {
                            request.headers.add(name: "Content-Type", value: "application/cloudevents+json")
                            body = Self.event(id: "\(run)-\(worker)-\(sequence)", sequence: sequence)
                            sequence += 1
                        } else {
                            request.headers.add(name: "Content-Type", value: "application/cloudevents-batch+json")
                            body =
                                "["
                                + (0..<batch).map { _ in
                                    defer { sequence += 1 }
                                    return Self.event(id: "\(run)-\(worker)-\(sequence)", sequence: sequence)
                                }.joined(separator: ",") + "]"
                        }
                        request.body = .bytes(ByteBuffer(string: body))
                        let sent = ContinuousClock().now
                        let response = try await client.execute(request, timeout: .seconds(30))
                        _ = try await response.body.collect(upTo: 1 << 24)
                        let elapsed = sent.duration(to: ContinuousClock().now)
                        if response.status == .accepted {
                            latencies.append(elapsed.seconds * 1000)
                        } else {
                            failures += 1
                        }
                    }
                    return (latencies.count, latencies, failures)
                }
            }
            var all: [(Int, [Double], Int)] = []
            for try await result in group { all.append(result) }
            return all
        }
        let elapsed = started.duration(to: ContinuousClock().now)
        let requests = workers.reduce(0) { $0 + $1.0 }
        return Measurement(
            target: target, mode: mode, requests: requests, events: requests * batch,
            seconds: elapsed.seconds,
            latencies: workers.flatMap(\.1), failures: workers.reduce(0) { $0 + $1.2 })
    }

    /// Waits until every projector's checkpoint covers the log's end; returns how long that took.
    static func drainSeconds(log: any EventLog, store: any ProjectionStore, projectors: [any Projector]) async throws -> Double {
        let started = ContinuousClock().now
        while true {
            var lag: Int64 = 0
            for projector in projectors { lag += try await ProjectionStatus.read(projector, log: log, store: store).lag }
            if lag == 0 { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        return started.duration(to: ContinuousClock().now).seconds
    }

    private func report(_ results: [Measurement]) {
        let bare = Dictionary(uniqueKeysWithValues: results.filter { $0.target == "bare" }.map { ($0.mode, $0) })
        var rows: [[String]] = []
        var json: [JSONValue] = []
        for result in results {
            let ratio = result.target == "gateway" ? bare[result.mode].map { result.requestRate / max($0.requestRate, 1) } : nil
            var target = "–"
            var met: Bool?
            if result.target == "gateway" {
                if result.mode == "single" {
                    target = "≥ 10000 req/s, ≥ 0.5× bare"
                    met = result.requestRate >= 10_000 && (ratio ?? 0) >= 0.5
                } else {
                    target = "≥ 50000 ev/s"
                    met = result.eventRate >= 50_000
                }
            }
            rows.append([
                result.target, result.mode, String(format: "%.0f", result.requestRate), String(format: "%.0f", result.eventRate),
                String(format: "%.2f", result.percentile(0.5)), String(format: "%.2f", result.percentile(0.99)),
                ratio.map { String(format: "%.2f×", $0) } ?? "–", "\(result.failures)", target + (met.map { $0 ? " ✓" : " ✗" } ?? ""),
            ])
            json.append(
                .object([
                    "target": .string(result.target), "mode": .string(result.mode), "requestsPerSecond": .double(result.requestRate),
                    "eventsPerSecond": .double(result.eventRate), "p50Ms": .double(result.percentile(0.5)), "p99Ms": .double(result.percentile(0.99)),
                    "ratioToBare": ratio.map(JSONValue.double) ?? .null, "failures": .int(Int64(result.failures)),
                    "met": met.map(JSONValue.bool) ?? .null,
                ]))
        }
        switch format {
        case .json:
            Output.json(
                .object([
                    "roles": .string(roles.rawValue), "connections": .int(Int64(connections)), "seconds": .double(seconds),
                    "rounds": .int(Int64(rounds)), "results": .array(json),
                ]))
        case .text:
            Output.line(
                "keel bench ingest — roles \(roles.rawValue), \(connections) connections, \(seconds) s per target and mode in \(rounds) alternating slices, embedded log, loopback\(roles == .all ? "; gateway slices last until the projections caught up" : "")"
            )
            Output.line(Table.render(header: ["TARGET", "MODE", "REQ/S", "EVENTS/S", "P50 MS", "P99 MS", "VS BARE", "FAILED", "TARGET"], rows: rows))
        }
    }

    static func event(id: String, sequence: Int) -> String {
        #"{"specversion":"1.0","id":"\#(id)","source":"bench","type":"com.example.bench.tick","subject":"s\#(sequence % 64)","data":{"n":\#(sequence),"payload":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}}"#
    }

    /// The reference: a Hummingbird server whose `POST /v1/events` reads the body and answers 202
    /// with a fixed small JSON body — HTTP and framework cost only.
    static func bareApplication(logger: Logger, onPort: @escaping @Sendable (Int) -> Void) -> some ApplicationProtocol {
        let router = Router()
        let reply = ByteBuffer(string: #"{"duplicate":false,"id":"x","offset":0,"partition":0,"topic":"keel.external"}"#)
        router.post("/v1/events") { request, _ -> Response in
            var request = request
            _ = try await request.collectBody(upTo: 1 << 24)
            return Response(status: .accepted, headers: [.contentType: "application/json"], body: .init(byteBuffer: reply))
        }
        return Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in onPort(channel.localAddress?.port ?? 0) }, logger: logger)
    }
}
