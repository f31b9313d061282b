import Foundation
import Hummingbird
import HummingbirdWebSocket
import KeelCore
import KeelExecutor
import KeelLog
import KeelStore
import Logging
import ServiceLifecycle

/// Everything the gateway can be told, with the defaults `keel serve` uses.
public struct GatewayConfiguration: Sendable {
    public var host = "127.0.0.1"
    /// 0 picks a free port (the chosen address is reported through `onListening`).
    public var port = 8080
    public var maxBodyBytes = 1 << 20
    /// The largest batch (`application/cloudevents-batch+json`) accepted in one request.
    public var maxBatchEvents = 1000
    public var maxHeaderBytes = 16 * 1024
    /// An event whose (source, id) was accepted within this window is not appended again.
    public var dedupeWindow: Duration = .seconds(7 * 86_400)
    public var rateLimits = RateLimitPolicy()
    public var subscriptions = SubscriptionConfiguration()
    /// `KEEL_ADMIN_KEY`: a bootstrap admin credential that lives only in configuration.
    public var adminKey: String?
    public var jwt: JWTConfiguration?
    /// A per-start token `keel serve` generates for the CLI beside it (see `LocalOperatorToken`):
    /// accepted as a platform-level operator credential, nothing more.
    public var localOperatorToken: String?

    public init() {}
}

/// What the gateway runs on: the log, the store, the catalog and the projections it serves.
public struct GatewayDependencies: Sendable {
    public var log: any EventLog
    public var store: any ProjectionStore
    public var catalog: TopicCatalog
    /// The projections whose documents the query API serves (and whose lag `/metrics` reports).
    public var projectors: [any Projector]
    public var access: AccessService
    public var metrics: GatewayMetrics
    public var jwt: JWTVerifier?
    /// Monotonic nanoseconds for the rate limiter's buckets; tests pass a clock they move by hand.
    public var rateLimitClock: @Sendable () -> UInt64
    /// The wall clock credentials are checked against (API key expiry, JWT `exp`/`nbf`); tests
    /// pass one they move by hand.
    public var authClock: @Sendable () -> Date
    public var logger: Logger
    /// Replays and dead-letter requests for operators (`/v1/projections/{name}/replays`, …); it
    /// must run too (a `Service`). Without it those routes answer 503.
    public var operations: ProjectionOperations?
    /// The workflow definitions (`/v1/workflows…`); it must run too (a `Service`). Without it those
    /// routes answer 503.
    public var workflows: WorkflowRegistry?
    /// Run starts and controls (`/v1/workflows/{id}/runs`, `/v1/runs/{id}/{action}`); without it
    /// those routes answer 503.
    public var runRequests: RunRequests?

    public init(
        log: any EventLog, store: any ProjectionStore, catalog: TopicCatalog, projectors: [any Projector], access: AccessService,
        operations: ProjectionOperations? = nil, workflows: WorkflowRegistry? = nil, runRequests: RunRequests? = nil,
        metrics: GatewayMetrics = GatewayMetrics(), jwt: JWTVerifier? = nil,
        rateLimitClock: @escaping @Sendable () -> UInt64 = { DispatchTime.now().uptimeNanoseconds },
        authClock: @escaping @Sendable () -> Date = Date.init, logger: Logger
    ) {
        self.log = log
        self.store = store
        self.catalog = catalog
        self.projectors = projectors
        self.access = access
        self.operations = operations
        self.workflows = workflows
        self.runRequests = runRequests
        self.metrics = metrics
        self.jwt = jwt
        self.rateLimitClock = rateLimitClock
        self.authClock = authClock
        self.logger = logger
    }
}

/// Builds the gateway's HTTP router (every route of `GatewayRoutes`, behind its guards).
///
/// Separate from `buildGateway` so tests can drive the real routes with `app.test(.router)`.
/// The WebSocket upgrade has its own router (`webSocketRouter`).
public func buildGatewayRouters(
    configuration: GatewayConfiguration, dependencies: GatewayDependencies
) -> (http: Router<GatewayContext>, webSocket: Router<GatewayContext>, liveHub: LiveHub) {
    let router = Router(context: GatewayContext.self)
    let refusals = RefusalAudit(
        recorder: AuditRecorder(log: dependencies.log, catalog: dependencies.catalog, logger: dependencies.logger),
        perKeyPerMinute: configuration.rateLimits.refusalAuditsPerMinute, totalPerMinute: configuration.rateLimits.refusalAuditsPerMinuteTotal,
        now: dependencies.rateLimitClock)
    router.add(middleware: GatewayMiddleware(metrics: dependencies.metrics, maxHeaderBytes: configuration.maxHeaderBytes, refusals: refusals))
    let authenticator = Authenticator(
        access: dependencies.access, adminKey: configuration.adminKey, jwt: dependencies.jwt,
        localOperatorToken: configuration.localOperatorToken, now: dependencies.authClock)
    let routes = RouteRegistrar(
        router: router,
        routeGuard: RouteGuard(authenticator: authenticator, limiter: RateLimiter(policy: configuration.rateLimits, now: dependencies.rateLimitClock))
    )
    let logger = dependencies.logger
    let dedupe = DedupeIndex(store: dependencies.store, window: configuration.dedupeWindow)
    IngestController(
        service: IngestService(log: dependencies.log, catalog: dependencies.catalog, dedupe: dedupe, metrics: dependencies.metrics, logger: logger),
        maxBodyBytes: configuration.maxBodyBytes, maxBatchEvents: configuration.maxBatchEvents
    ).register(on: routes)
    AccessController(
        access: dependencies.access, log: dependencies.log,
        audit: AuditRecorder(log: dependencies.log, catalog: dependencies.catalog, logger: logger), logger: logger
    ).register(on: routes)
    QueryController(store: dependencies.store, log: dependencies.log, projectors: dependencies.projectors).register(on: routes)
    ProjectionOperationsController(operations: dependencies.operations, log: dependencies.log, store: dependencies.store).register(on: routes)
    WorkflowController(registry: dependencies.workflows, runs: dependencies.runRequests, store: dependencies.store, log: dependencies.log)
        .register(on: routes)
    let webSocketRouter = Router(context: GatewayContext.self)
    // One reader per topic for every live subscriber of this instance; it runs as a service.
    let liveHub = LiveHub(
        log: dependencies.log, configuration: configuration.subscriptions, access: dependencies.access, clock: dependencies.authClock,
        logger: logger)
    SubscriptionController(hub: liveHub, catalog: dependencies.catalog, configuration: configuration.subscriptions, logger: logger)
        .register(on: routes, webSocketRouter: webSocketRouter)
    OpsController(
        log: dependencies.log, store: dependencies.store, access: dependencies.access, metrics: dependencies.metrics,
        projectors: dependencies.projectors, openAPI: OpenAPIDocument.build().serialized()
    ).register(on: routes)
    return (router, webSocketRouter, liveHub)
}

/// The gateway as a runnable Hummingbird application (a `Service`). `dependencies.access` must
/// run too: in the same `ServiceGroup`, or passed in `services` (which the application runs). Graceful shutdown stops accepting connections and
/// drains in-flight requests; the caller shuts the log down afterwards, which flushes the producer.
public func buildGateway(
    configuration: GatewayConfiguration, dependencies: GatewayDependencies, services: [any Service] = [],
    onListening: @escaping @Sendable (String) -> Void = { _ in }
) -> some ApplicationProtocol {
    let routers = buildGatewayRouters(configuration: configuration, dependencies: dependencies)
    var webSocket = WebSocketServerConfiguration()
    webSocket.autoPing = .enabled(timePeriod: .seconds(30))
    return Application(
        router: routers.http,
        server: .http1WebSocketUpgrade(webSocketRouter: routers.webSocket, configuration: .init(ws: webSocket)),
        configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: "keel"),
        services: services + [routers.liveHub],
        onServerRunning: { channel in
            let address = channel.localAddress
            let host = address?.ipAddress ?? configuration.host
            let port = address?.port ?? configuration.port
            onListening("http://\(host.contains(":") ? "[\(host)]" : host):\(port)")
        },
        logger: dependencies.logger)
}
