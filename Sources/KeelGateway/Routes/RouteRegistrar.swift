import HTTPTypes
import Hummingbird
import KeelCore

/// Registers `RouteSpec`s on the router, wrapping each handler in what the spec demands:
/// authentication, the permission check and the rate limit (with its `RateLimit-*` headers).
struct RouteRegistrar {
    typealias Handler = @Sendable (Request, GatewayContext) async throws -> Response

    let router: Router<GatewayContext>
    let authenticator: Authenticator
    let limiter: RateLimiter

    func on(_ spec: RouteSpec, _ handler: @escaping Handler) {
        let guarded = Self.guarded(spec, authenticator: authenticator, limiter: limiter, handler)
        router.on(RouterPath(spec.routerPath), method: spec.method) { request, context in
            try await guarded(request, context)
        }
    }

    /// `handler` behind the spec's guards. Public routes run as they are.
    static func guarded(_ spec: RouteSpec, authenticator: Authenticator, limiter: RateLimiter, _ handler: @escaping Handler) -> Handler {
        guard let permission = spec.permission else { return handler }
        return { request, context in
            var context = context
            let principal = try await authenticator.authenticate(request.headers)
            context.principal = principal
            context.logger[metadataKey: "principal"] = .string(principal.subject)
            let decision = limiter.check(
                caller: principal.subject, tenant: principal.tenant, roles: principal.roles, route: spec.operationID)
            if let decision, !decision.allowed {
                throw Problem(
                    .rateLimited, "rate limit of \(decision.limit) requests for \(spec.operationID) reached; retry in \(decision.retryAfterSeconds) s",
                    headers: Self.headers(decision, retryAfter: true))
            }
            guard principal.has(permission) else {
                let granting = Role.allCases.filter { $0.permissions.contains(permission) }.map(\.rawValue)
                throw Problem.forbidden(
                    "\(spec.method) \(spec.path) needs a role with '\(permission.rawValue)' (\(granting.joined(separator: " or "))); this credential has \(principal.roles.map(\.rawValue).sorted().joined(separator: ", "))")
            }
            var response = try await handler(request, context)
            if let decision {
                for field in Self.headers(decision, retryAfter: false) { response.headers.append(field) }
            }
            return response
        }
    }

    static func headers(_ decision: RateDecision, retryAfter: Bool) -> HTTPFields {
        var fields: HTTPFields = [
            HTTPField.Name("RateLimit-Limit")!: String(decision.limit),
            HTTPField.Name("RateLimit-Remaining")!: String(decision.remaining),
            HTTPField.Name("RateLimit-Reset")!: String(decision.resetSeconds),
        ]
        if retryAfter { fields[.retryAfter] = String(decision.retryAfterSeconds) }
        return fields
    }
}

extension Response {
    /// A JSON response (compact, keys sorted).
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: value.serialized())))
    }
}

extension Request {
    /// A query parameter's single value (`nil` when absent or empty).
    func query(_ name: String) -> String? {
        guard let value = uri.queryParameters.get(name), !value.isEmpty else { return nil }
        return value
    }

    /// The tenant a system-wide admin names: `X-Keel-Tenant` or `?tenant=`.
    var requestedTenant: String? {
        headers[HTTPField.Name("X-Keel-Tenant")!] ?? query("tenant")
    }
}
