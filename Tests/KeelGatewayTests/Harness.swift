import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KeelCore
import KeelExecutor
import KeelGateway
import KeelLog
import KeelLogEmbedded
import KeelRuntime
import KeelStore
import KeelStoreEmbedded
import KeelTestSupport
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import Testing

let catalog = repositoryCatalog

/// The admin credential every test gateway is configured with (`KEEL_ADMIN_KEY`).
let adminKey = "test-admin-key-0123456789abcdefghij"

/// A real gateway (all routes, real auth, rate limits, projectors) on an embedded log and store
/// in a temporary directory.
final class Harness: Sendable {
    let directory: TemporaryDirectory
    let log: EmbeddedEventLog
    let store: EmbeddedProjectionStore
    let access: AccessService
    let configuration: GatewayConfiguration
    let catalog: TopicCatalog
    let metrics = GatewayMetrics()
    /// The rate limiter's and the authenticator's clocks: real time unless a test moves them by
    /// hand (`advanceClock`).
    private let manualClock: ManualClock?

    /// `manualClock`: the rate limiter and the credential checks see time stand still except
    /// when `advanceClock` moves it, so bucket and expiry tests do not depend on how fast the
    /// machine runs them.
    init(
        directory: TemporaryDirectory? = nil, manualClock: Bool = false, catalog: TopicCatalog = repositoryCatalog,
        configure: (inout GatewayConfiguration) -> Void = { _ in }
    ) async throws {
        self.catalog = catalog
        self.manualClock = manualClock ? ManualClock() : nil
        let directory = try directory ?? TemporaryDirectory(prefix: "keel-gateway")
        self.directory = directory
        log = try await EmbeddedEventLog(directory: "\(directory.path)/log", logger: quietLogger())
        store = try await EmbeddedProjectionStore(directory: "\(directory.path)/store", logger: quietLogger())
        for topic in catalog.topics where try await log.describeTopic(topic.name) == nil {
            _ = try await log.createTopic(TopicSpec(name: topic.name, partitions: topic.partitions))
        }
        access = AccessService(log: log, logger: quietLogger())
        var configuration = GatewayConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.adminKey = adminKey
        configure(&configuration)
        self.configuration = configuration
    }

    /// `operationsStore`: the store the operator API's replays write through (default: the
    /// harness's), for tests that hold a replay at a chosen step.
    func application(jwt: JWTVerifier? = nil, operationsStore: (any ProjectionStore)? = nil) -> some ApplicationProtocol {
        var projectorConfiguration = ProjectorService.Configuration()
        projectorConfiguration.initialBackoff = .milliseconds(10)
        let projectors = StandardProjections.all(catalog: catalog)
        let services = projectors.map {
            ProjectorService(projector: $0, log: log, store: store, configuration: projectorConfiguration, logger: quietLogger()) as any Service
        }
        let operations = ProjectionOperations(projectors: projectors, log: log, store: operationsStore ?? store, logger: quietLogger())
        // Every route is served, the workflow routes included, as `keel serve` serves them.
        let writer = KeelEventWriter(log: log, catalog: catalog, source: "keel-test")
        let registry = WorkflowRegistry(writer: writer, logger: quietLogger())
        let dependencies = GatewayDependencies(
            log: log, store: store, catalog: catalog, projectors: projectors.filter { $0.name != "dedupe" }, access: access,
            operations: operations, workflows: registry, runRequests: RunRequests(writer: writer), metrics: metrics,
            jwt: jwt, rateLimitClock: { [manualClock] in manualClock?.nanoseconds ?? DispatchTime.now().uptimeNanoseconds },
            authClock: { [manualClock] in manualClock?.date ?? Date() }, logger: quietLogger())
        return buildGateway(configuration: configuration, dependencies: dependencies, services: [access, operations] + services)
    }

    /// Suspends a tenant the way Keel records it (the decider's events on `keel.tenants`; there is
    /// no route for it yet) and waits until this gateway's directory has applied it.
    func suspend(tenant id: String, reason: String = "unpaid") async throws {
        let state = try #require(access.directory.tenant(id))
        let events = try TenantDecider.decide(.suspend(tenantId: id, reason: reason), state: state)
        let coordinates = try await log.produce(
            events.map { OutgoingRecord($0.cloudEvent(source: "test", id: SystemIDs.uuidv7(), time: Date())) }, to: TenantEvent.topic)
        #expect(await access.waitUntilApplied(coordinates))
    }

    func advanceClock(by duration: Duration) {
        manualClock?.advance(by: duration)
    }

    func close() async {
        try? await store.shutdown()
        try? await log.shutdown()
    }

    func remove() async {
        await close()
        directory.remove()
    }

    /// Runs `body` against the real router (no sockets).
    func withRouter(
        jwt: JWTVerifier? = nil, operationsStore: (any ProjectionStore)? = nil,
        _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        try await application(jwt: jwt, operationsStore: operationsStore).test(.router) { client in try await body(client) }
    }

    /// Runs `body` against a live server on loopback.
    func withLive(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await application().test(.live) { client in try await body(client) }
    }

    /// Every event of `topic`, in partition/offset order.
    func events(in topic: String) async throws -> [CloudEvent] {
        guard let description = try await log.describeTopic(topic) else { return [] }
        let partitions = (0..<description.partitions).map { TopicPartition(topic, Int32($0)) }
        let ends = try await log.offsets(topic: topic, atTimestampMs: Int64.max)
        guard ends.values.contains(where: { $0 > 0 }) else { return [] }
        let consumer = try await log.makeConsumer(ConsumerConfiguration(subscription: .partitions(partitions), start: .earliest))
        var positions: [Int32: Int64] = [:]
        var events: [CloudEvent] = []
        while partitions.contains(where: { (positions[$0.partition] ?? 0) < (ends[$0.partition] ?? 0) }) {
            guard case .records(let records)? = try await consumer.poll(timeout: .seconds(2)) else { continue }
            for record in records {
                positions[record.partition] = record.offset + 1
                events.append(try KafkaBinding.decode(key: record.key, value: record.value, headers: record.headers))
            }
        }
        try await consumer.close()
        return events
    }
}

/// Time that moves only when told to: monotonic nanoseconds, and a wall clock that starts at
/// the real time of its creation.
final class ManualClock: Sendable {
    private static let startNanoseconds: UInt64 = 1_000_000_000
    private let now = Mutex<UInt64>(startNanoseconds)
    private let start = Date()

    var nanoseconds: UInt64 { now.withLock { $0 } }
    var date: Date { start.addingTimeInterval(Double(nanoseconds - Self.startNanoseconds) / 1e9) }

    func advance(by duration: Duration) {
        let (seconds, attoseconds) = duration.components
        now.withLock { $0 += UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000) }
    }
}

// MARK: Request helpers

extension HTTPFields {
    static func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }

    static func bearer(_ token: String, contentType: String) -> HTTPFields {
        [.authorization: "Bearer \(token)", .contentType: contentType]
    }
}

extension ByteBuffer {
    var json: JSONValue { (try? JSONValue.parse(Array(readableBytesView))) ?? .null }
    var text: String { String(buffer: self) }
}

extension TestClientProtocol {
    @discardableResult
    func call(
        _ method: HTTPRequest.Method, _ uri: String, token: String? = nil, contentType: String? = "application/json", body: String? = nil,
        headers: HTTPFields = [:]
    ) async throws -> TestResponse {
        var fields = headers
        if let token { fields[.authorization] = "Bearer \(token)" }
        if let contentType, body != nil { fields[.contentType] = contentType }
        return try await execute(uri: uri, method: method, headers: fields, body: body.map { ByteBuffer(string: $0) })
    }

    /// Creates a tenant as the admin.
    func createTenant(_ id: String) async throws {
        let response = try await call(.post, "/v1/tenants", token: adminKey, body: #"{"tenantId":"\#(id)","name":"Tenant \#(id)"}"#)
        #expect(response.status == .created, "\(response.body.text)")
    }

    /// Creates an API key as the admin and returns its token.
    func createKey(tenant: String, roles: [String], extra: String = "") async throws -> String {
        let rolesJSON = roles.map { "\"\($0)\"" }.joined(separator: ",")
        let response = try await call(
            .post, "/v1/tenants/\(tenant)/keys", token: adminKey, body: #"{"name":"k","roles":[\#(rolesJSON)]\#(extra)}"#)
        #expect(response.status == .created, "\(response.body.text)")
        return response.body.json["secret"]?.stringValue ?? ""
    }

    /// Posts one structured event.
    func post(event: String, token: String) async throws -> TestResponse {
        try await call(.post, "/v1/events", token: token, contentType: "application/cloudevents+json", body: event)
    }
}

func structuredEvent(id: String, type: String = "com.acme.order.placed", source: String = "test", data: String = #"{"n":1}"#, extra: String = "")
    -> String
{
    #"{"specversion":"1.0","id":"\#(id)","source":"\#(source)","type":"\#(type)","data":\#(data)\#(extra)}"#
}

/// Asserts a problem+json response with this status and problem type slug.
func expectProblem(_ response: TestResponse, _ status: HTTPResponse.Status, _ slug: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(response.status == status, "\(response.body.text)", sourceLocation: sourceLocation)
    #expect(response.headers[.contentType] == "application/problem+json", sourceLocation: sourceLocation)
    #expect(response.body.json["type"]?.stringValue == "https://keel.dev/problems/\(slug)", "\(response.body.text)", sourceLocation: sourceLocation)
    #expect(response.body.json["status"]?.intValue == Int64(status.code), sourceLocation: sourceLocation)
}
