import HTTPTypes
import Hummingbird
import KeelCore
import NIOCore

/// Registers `RouteSpec`s on the router, each handler behind the `RouteGuard` (authentication,
/// rate limit, permission) and answering with its `RateLimit-*` headers.
struct RouteRegistrar {
    typealias Handler = @Sendable (Request, GatewayContext) async throws -> Response

    let router: Router<GatewayContext>
    let routeGuard: RouteGuard

    func on(_ spec: RouteSpec, _ handler: @escaping Handler) {
        let routeGuard = self.routeGuard
        router.on(RouterPath(spec.routerPath), method: spec.method) { request, context in
            let (admitted, decision) = try await routeGuard.admit(spec, request, context)
            var response = try await handler(request, admitted)
            if let decision {
                for field in RouteGuard.headers(decision, retryAfter: false) { response.headers.append(field) }
            }
            return response
        }
    }
}

extension Response {
    /// A JSON response (compact, keys sorted).
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        json(serialized: value.serialized(), status: status, headers: headers)
    }

    /// A JSON response from bytes already serialized.
    static func json(serialized body: [UInt8], status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

extension Request {
    /// A query parameter's single value (`nil` when absent or empty).
    func query(_ name: String) -> String? {
        guard let value = uri.queryParameters.get(name), !value.isEmpty else { return nil }
        return value
    }

    /// The whole body, or 413 naming the limit — at once from `Content-Length` when it says so,
    /// otherwise as soon as the streamed body passes it.
    func body(limit: Int) async throws -> ByteBuffer {
        // Built only when thrown: this runs on every request.
        func tooLarge() -> Problem {
            Problem(.payloadTooLarge, "the body exceeds the limit of \(limit) bytes", extensions: ["limit": .int(Int64(limit))])
        }
        if let length = headers[.contentLength].flatMap(Int.init), length > limit { throw tooLarge() }
        var request = self
        do {
            return try await request.collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw tooLarge()
        }
    }

    static let tenantHeader = HTTPField.Name("X-Keel-Tenant")!

    /// The tenant a system-wide admin names: `X-Keel-Tenant` or `?tenant=`.
    var requestedTenant: String? {
        headers[Self.tenantHeader] ?? query("tenant")
    }
}
