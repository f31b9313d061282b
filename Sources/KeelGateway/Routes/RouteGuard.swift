import HTTPTypes
import Hummingbird
import KeelCore

/// What stands in front of every guarded route: the peer address's failed-authentication
/// limit, authentication, the rate limit and the permission check, in that order. The HTTP routes (through `RouteRegistrar`) and the WebSocket
/// upgrade (through `RouteGuardMiddleware`) use this one piece.
struct RouteGuard: Sendable {
    let authenticator: Authenticator
    let limiter: RateLimiter

    /// The context with the caller in it and the rate-limit decision to report, or the problem
    /// that refuses the request. Public routes pass unchanged.
    func admit(_ spec: RouteSpec, _ request: Request, _ context: GatewayContext) async throws -> (GatewayContext, RateDecision?) {
        guard let permission = spec.permission else { return (context, nil) }
        var context = context
        let peer = limiter.peers.peer(remoteAddress: context.remoteAddress, headers: request.headers)
        context.logger[metadataKey: "peer"] = .string(peer)
        context.identity.peer = peer
        // An address out of failed attempts is refused before its credential is looked at, so
        // the limit bounds guessing and verification work, not just the answers.
        if let refusal = limiter.refusal(peer: peer) {
            throw Problem(
                .rateLimited, "too many requests without a valid credential from this address; retry in \(refusal.retryAfterSeconds) s",
                headers: Self.headers(refusal, retryAfter: true))
        }
        let principal = try await authenticate(request, peer: peer)
        context.principal = principal
        context.identity.principal = principal
        let subject = principal.subject
        context.logger[metadataKey: "principal"] = .string(subject)
        let decision = limiter.check(caller: subject, tenant: principal.tenant, roles: principal.roles, route: spec.operationID)
        if let decision, !decision.allowed {
            throw Problem(
                .rateLimited, "rate limit of \(decision.limit) requests for \(spec.operationID) reached; retry in \(decision.retryAfterSeconds) s",
                headers: Self.headers(decision, retryAfter: true))
        }
        guard principal.has(permission) else {
            let granting = Role.allCases.filter { $0.permissions.contains(permission) }.map(\.rawValue)
            throw Problem.forbidden(
                "\(spec.method) \(spec.path) needs a role with '\(permission.rawValue)' (\(granting.joined(separator: " or "))); this credential has \(principal.roles.map(\.rawValue).sorted().joined(separator: ", "))"
            )
        }
        return (context, decision)
    }

    /// The caller, charging a refused credential (or none) to the peer address.
    private func authenticate(_ request: Request, peer: String) async throws(Problem) -> Principal {
        do {
            return try await authenticator.authenticate(request.headers)
        } catch {
            if error.status == .unauthorized || error.status == .forbidden { limiter.chargeFailedAuthentication(peer: peer) }
            throw error
        }
    }

    static let limitHeader = HTTPField.Name("RateLimit-Limit")!
    static let remainingHeader = HTTPField.Name("RateLimit-Remaining")!
    static let resetHeader = HTTPField.Name("RateLimit-Reset")!

    static func headers(_ decision: RateDecision, retryAfter: Bool) -> HTTPFields {
        var fields: HTTPFields = [
            Self.limitHeader: String(decision.limit), Self.remainingHeader: String(decision.remaining),
            Self.resetHeader: String(decision.resetSeconds),
        ]
        if retryAfter { fields[.retryAfter] = String(decision.retryAfterSeconds) }
        return fields
    }
}

/// `RouteGuard` as router middleware, for a router whose routes are not registered through
/// `RouteRegistrar` (the WebSocket upgrade router).
struct RouteGuardMiddleware: RouterMiddleware {
    typealias Context = GatewayContext
    let spec: RouteSpec
    let routeGuard: RouteGuard

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let (admitted, _) = try await routeGuard.admit(spec, request, context)
        return try await next(request, admitted)
    }
}
