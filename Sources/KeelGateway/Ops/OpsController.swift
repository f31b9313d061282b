import Hummingbird
import KeelCore
import KeelLog
import KeelRuntime
import KeelStore

/// Liveness, readiness, Prometheus metrics and the OpenAPI document (all public).
struct OpsController {
    let log: any EventLog
    let store: any ProjectionStore
    let access: AccessService
    let metrics: GatewayMetrics
    let projectors: [any Projector]
    let openAPI: [UInt8]

    func register(on routes: RouteRegistrar) {
        routes.on(GatewayRoutes.healthz) { _, _ in .json(.object(["status": .string("ok")])) }
        routes.on(GatewayRoutes.readyz) { _, _ in try await ready() }
        routes.on(GatewayRoutes.metrics) { _, _ in
            await refreshProjectorLag()
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
    /// naming what is not ready.
    func ready() async throws -> Response {
        var checks: [String: JSONValue] = [:]
        var failing: [String] = []
        do {
            _ = try await log.describeTopic(AccessService.topics[0])
            checks["log"] = .string("ok")
        } catch {
            checks["log"] = .string("unreachable: \(error)")
            failing.append("log")
        }
        do {
            _ = try await store.checkpoint(.live(ActivityProjector.projectionName))
            checks["store"] = .string("ok")
        } catch {
            checks["store"] = .string("unreachable: \(error)")
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
