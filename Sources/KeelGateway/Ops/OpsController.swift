import Hummingbird
import KeelCore
import KeelLog
import KeelRuntime
import KeelStore
import Logging
import Synchronization

/// Liveness, readiness, Prometheus metrics and the OpenAPI document (all public).
struct OpsController {
    let log: any EventLog
    let store: any ProjectionStore
    let access: AccessService
    let metrics: GatewayMetrics
    let projectors: [any Projector]
    let openAPI: [UInt8]
    /// Bounds what `/metrics` costs: projection status is read at most once per interval.
    let projectorLag = ProjectorLagRefresh(interval: .seconds(2))

    func register(on routes: RouteRegistrar) {
        routes.on(GatewayRoutes.healthz) { _, _ in .json(.object(["status": .string("ok")])) }
        routes.on(GatewayRoutes.readyz) { _, context in try await ready(logger: context.logger) }
        routes.on(GatewayRoutes.metrics) { _, _ in
            await projectorLag.refreshIfStale { await refreshProjectorLag() }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        }
        let document = openAPI
        routes.on(GatewayRoutes.openAPI) { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: document)))
        }
    }

    /// 200 when the log and the store answer and the access directory is loaded; else 503
    /// naming which of the generic components `log`, `store`, `access` is not ready.
    ///
    /// The route is public, so it says only ok / unavailable / loading per component: why a
    /// dependency failed (its error, address, host names) goes to the gateway log, never the body.
    func ready(logger: Logger) async throws -> Response {
        var checks: [String: JSONValue] = [:]
        var failing: [String] = []
        do {
            _ = try await log.describeTopic(AccessService.topics[0])
            checks["log"] = .string("ok")
        } catch {
            logger.warning("readyz: the event log is unavailable: \(error)")
            checks["log"] = .string("unavailable")
            failing.append("log")
        }
        do {
            _ = try await store.checkpoint(.live(ActivityProjector.projectionName))
            checks["store"] = .string("ok")
        } catch {
            logger.warning("readyz: the projection store is unavailable: \(error)")
            checks["store"] = .string("unavailable")
            failing.append("store")
        }
        checks["access"] = .string(access.isLoaded ? "ok" : "loading")
        if !access.isLoaded { failing.append("access") }
        guard failing.isEmpty else {
            throw Problem(.notReady, "not ready: \(failing.joined(separator: ", "))", extensions: ["checks": .object(checks)])
        }
        return .json(.object(["status": .string("ready"), "checks": .object(checks)]))
    }

    private func refreshProjectorLag() async {
        for projector in projectors {
            guard let status = try? await ProjectionStatus.read(projector, log: log, store: store) else { continue }
            metrics.setProjectorLag(projection: projector.name, records: status.lag)
        }
    }
}

/// At most one refresh of the projector lag gauges per `interval`, however often `/metrics` is
/// scraped: a scrape in between serves the figures of the last refresh (at most `interval` old),
/// and while one request refreshes, concurrent ones do not start another.
final class ProjectorLagRefresh: Sendable {
    let interval: Duration
    private struct State {
        var lastRefresh: ContinuousClock.Instant?
        var refreshing = false
    }
    private let state = Mutex(State())

    init(interval: Duration) {
        self.interval = interval
    }

    func refreshIfStale(_ refresh: () async -> Void) async {
        let now = ContinuousClock.now
        let due = state.withLock { state in
            guard !state.refreshing, state.lastRefresh.map({ $0.duration(to: now) >= interval }) ?? true else { return false }
            state.refreshing = true
            return true
        }
        guard due else { return }
        defer { state.withLock { $0 = State(lastRefresh: ContinuousClock.now, refreshing: false) } }
        await refresh()
    }
}
