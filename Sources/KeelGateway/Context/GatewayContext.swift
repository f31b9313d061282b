import Hummingbird
import HummingbirdWebSocket
import Logging

/// The per-request context of every gateway route: Hummingbird's core storage, the request id,
/// and — once authentication ran — the caller.
public struct GatewayContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<GatewayContext>
    /// Echoed in `X-Request-Id` and attached to every log line of the request.
    public var requestID: String
    /// The authenticated caller; `nil` before authentication and on public routes.
    public var principal: Principal?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        requestID = ""
    }

    /// The caller, or a 401 when the route ran without authentication (a programming error).
    public func requirePrincipal() throws(Problem) -> Principal {
        guard let principal else { throw Problem.unauthorized("authentication required") }
        return principal
    }
}
