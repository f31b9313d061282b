import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import Synchronization

/// The per-request context of every gateway route: Hummingbird's core storage, the request id,
/// and — once authentication ran — the caller.
public struct GatewayContext: RequestContext, WebSocketRequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<GatewayContext>
    /// Echoed in `X-Request-Id` and attached to every log line of the request.
    public var requestID: String
    /// The authenticated caller; `nil` before authentication and on public routes.
    public var principal: Principal?
    /// The connection's TCP remote address (`nil` when the channel has none, as in-process tests).
    /// Who the client is behind a proxy is `PeerAddressResolver`'s business, not this field's.
    public let remoteAddress: SocketAddress?
    /// Who the route guard found the caller to be, shared by every copy of this context, so the
    /// outermost middleware can name the caller of a request a handler refused.
    let identity = RequestIdentity()

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        requestID = ""
        remoteAddress = source.channel.remoteAddress
    }

    /// The caller, or a 401 when the route ran without authentication (a programming error).
    public func requirePrincipal() throws(Problem) -> Principal {
        guard let principal else { throw Problem.unauthorized("authentication required") }
        return principal
    }
}

/// The caller of one request as the route guard resolved it: its peer address and, once
/// authenticated, its principal. A reference, because handlers work on copies of the context.
final class RequestIdentity: Sendable {
    private let state = Mutex<(peer: String?, principal: Principal?)>((nil, nil))

    var peer: String? {
        get { state.withLock { $0.peer } }
        set { state.withLock { $0.peer = newValue } }
    }

    var principal: Principal? {
        get { state.withLock { $0.principal } }
        set { state.withLock { $0.principal = newValue } }
    }
}
