import AsyncHTTPClient
import Foundation
import Hummingbird
import KeelCore
import KeelExecutor
import KeelLog
import KeelLogEmbedded
import KeelTestSupport
import KeelWorkflow
import Logging
import Synchronization
import Testing

/// The executor and the timer service on a real embedded log, with an HTTP target that records
/// the idempotency keys it sees.
final class ExecutorEnvironment: Sendable {
    let directory: TemporaryDirectory
    let log: EmbeddedEventLog
    let writer: KeelEventWriter
    let requests: RunRequests

    init() async throws {
        directory = try TemporaryDirectory(prefix: "keel-executor")
        log = try await EmbeddedEventLog(directory: "\(directory.path)/log", logger: quietLogger())
        for topic in repositoryCatalog.topics {
            _ = try await log.createTopic(TopicSpec(name: topic.name, partitions: topic.partitions))
        }
        writer = KeelEventWriter(log: log, catalog: repositoryCatalog, source: "/keel/test")
        requests = RunRequests(writer: writer)
    }

    func start(_ definition: String, runId: String, tenant: String = "acme", input: JSONValue = .object([:])) async throws {
        let parsed = try WorkflowDefinition.parse(try JSONValue.parse(definition))
        let version = WorkflowVersion(tenant: tenant, workflowId: parsed.id, version: 1, definition: parsed, createdAtMs: 0)
        try await requests.start(
            tenant: tenant, runId: runId, version: version, input: input, trigger: RunTrigger(kind: "api"), nowMs: WallClock.nowMs())
    }

    /// Reads the run's events from the log until one is terminal (or the deadline passes).
    func waitForEnd(_ runId: String, tenant: String = "acme", timeout: Duration = .seconds(30)) async throws -> [RunEvent] {
        let consumer = try await log.makeConsumer(
            ConsumerConfiguration(
                subscription: .partitions(
                    (0..<Int32(repositoryCatalog.topic(named: RunRequests.runsTopic)!.partitions)).map { TopicPartition(RunRequests.runsTopic, $0) }),
                start: .earliest))
        defer { Task { try? await consumer.close() } }
        var events: [RunEvent] = []
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard case .records(let records)? = try await consumer.poll(timeout: .milliseconds(200)) else { continue }
            for record in records {
                guard let event = try? KafkaBinding.decodeStamped(key: record.key, value: record.value, headers: record.headers),
                    event.tenantid == tenant, let data = event.jsonData, let runEvent = RunEvent(type: event.type, data: data),
                    runEvent.runId == runId
                else { continue }
                events.append(runEvent)
                switch runEvent.fact {
                case .completed, .failed, .cancelled, .terminated, .paused(_, _, true): return events
                default: continue
                }
            }
        }
        Issue.record("run \(runId) did not end within \(timeout)")
        return events
    }

    func remove() async {
        try? await log.shutdown()
        directory.remove()
    }
}

/// Runs the executor and timer services (and an HTTP client) around `body`.
func withExecutor<T: Sendable>(_ environment: ExecutorEnvironment, _ body: @Sendable (HTTPClient) async throws -> T) async throws -> T {
    let client = HTTPClient(eventLoopGroupProvider: .singleton)
    let runners = StepRunners([
        HTTPStep(client: client), EmitStep(writer: environment.writer),
    ])
    let executor = ExecutorService(writer: environment.writer, runners: runners, logger: quietLogger())
    let timers = TimerService(writer: environment.writer, logger: quietLogger())
    let result = try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            try await executor.run()
            return nil
        }
        group.addTask {
            try await timers.run()
            return nil
        }
        let value = try await body(client)
        group.cancelAll()
        return value
    }
    try await client.shutdown()
    return result
}

/// A local HTTP target: `POST /charge` answers 503 for the first `failures` calls, then 200, and
/// records every Idempotency-Key it sees.
final class ChargeTarget: Sendable {
    let keys = Mutex<[String]>([])
    let failures: Int

    init(failures: Int) { self.failures = failures }

    func run(_ body: @Sendable (Int) async throws -> Void) async throws {
        let router = Router()
        router.post("/charge") { request, _ -> Response in
            let key = request.headers[.init("Idempotency-Key")!] ?? "none"
            let count = self.keys.withLock { keys in
                keys.append(key)
                return keys.count
            }
            let status: HTTPResponse.Status = count <= self.failures ? .serviceUnavailable : .ok
            return Response(status: status, body: .init(byteBuffer: ByteBuffer(string: #"{"charged": true, "call": \#(count)}"#)))
        }
        let port = Mutex<Int?>(nil)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port } }, logger: quietLogger())
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService(gracefulShutdownSignals: []) }
            while port.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(10)) }
            try await body(port.withLock { $0 }!)
            group.cancelAll()
        }
    }
}

@Suite("Executor on the embedded log")
struct ExecutorTests {
    @Test("set, transform, http with retries, sleep and emit: the run completes with each result recorded")
    func completes() async throws {
        let environment = try await ExecutorEnvironment()
        defer { Task { await environment.remove() } }
        let target = ChargeTarget(failures: 1)
        try await target.run { port in
            try await withExecutor(environment) { _ in
                try await environment.start(
                    """
                    {"id": "wf-order", "steps": [
                      {"id": "prepare", "kind": "set", "value": {"amount": "{{params.amount}}"}},
                      {"id": "charge", "kind": "http", "method": "POST", "url": "http://127.0.0.1:\(port)/charge",
                       "body": {"amount": "{{prepare.result.amount}}"}, "retry": {"maximumAttempts": 3, "initialInterval": "100ms"}},
                      {"id": "nap", "kind": "sleep", "duration": "200ms"},
                      {"id": "announce", "kind": "emit", "topic": "keel.external", "type": "com.example.order.charged", "data": {"call": "{{charge.result.body.call}}"}},
                      {"id": "total", "kind": "transform", "expression": "steps.charge.output.body.call"}
                    ]}
                    """, runId: "run-1", input: .object(["amount": .int(42)]))
                let events = try await environment.waitForEnd("run-1")
                guard case .completed(let output, _)? = events.last?.fact else {
                    Issue.record("run did not complete: \(events.map(\.type))")
                    return
                }
                #expect(output == .int(2))
                #expect(events.map(\.seq) == Array(1...Int64(events.count)))
            }
        }
        #expect(target.keys.withLock { $0 } == ["run-1/charge/1", "run-1/charge/2"])
    }

    @Test("two tenants' runs with the same id stay apart")
    func tenants() async throws {
        let environment = try await ExecutorEnvironment()
        defer { Task { await environment.remove() } }
        try await withExecutor(environment) { _ in
            try await environment.start(#"{"id":"wf","steps":[{"id":"a","kind":"set","value":"A"}]}"#, runId: "same", tenant: "acme")
            try await environment.start(#"{"id":"wf","steps":[{"id":"a","kind":"set","value":"B"}]}"#, runId: "same", tenant: "globex")
            let acme = try await environment.waitForEnd("same", tenant: "acme")
            let globex = try await environment.waitForEnd("same", tenant: "globex")
            guard case .completed(let a, _)? = acme.last?.fact, case .completed(let b, _)? = globex.last?.fact else {
                Issue.record("runs did not complete")
                return
            }
            #expect(a == .string("A"))
            #expect(b == .string("B"))
        }
    }

    @Test("cancelling a sleeping run ends it as cancelled")
    func cancel() async throws {
        let environment = try await ExecutorEnvironment()
        defer { Task { await environment.remove() } }
        try await withExecutor(environment) { _ in
            try await environment.start(#"{"id":"wf","steps":[{"id":"nap","kind":"sleep","duration":"1h"}]}"#, runId: "r-cancel")
            // No wait needed: the cancel goes to the same partition as the start, after it.
            try await environment.requests.control(
                tenant: "acme", runId: "r-cancel", action: .cancel, by: "ops", reason: "test", nowMs: WallClock.nowMs())
            let events = try await environment.waitForEnd("r-cancel")
            guard case .cancelled? = events.last?.fact else {
                Issue.record("not cancelled: \(events.map(\.type))")
                return
            }
        }
    }
}
