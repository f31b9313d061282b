import Foundation
import HTTPTypes
import Hummingbird
import KeelCore
import KeelRuntime
import Logging
import NIOCore

/// The outermost middleware of every request: request id, header-size limit, problem+json for
/// every error (including unknown routes and wrong methods), the audit of refusals, access log
/// and metrics.
struct GatewayMiddleware: RouterMiddleware {
    typealias Context = GatewayContext

    static let requestIDHeader = HTTPField.Name("X-Request-Id")!

    let metrics: GatewayMetrics
    let maxHeaderBytes: Int
    /// Audits 401/403/429 answers (throttled); `nil` audits nothing (routers built without a log).
    var refusals: RefusalAudit? = nil

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let incoming = request.headers[Self.requestIDHeader].flatMap { Self.isSafeRequestID($0) ? $0 : nil }
        context.requestID = incoming ?? SystemIDs.uuidv7()
        context.logger[metadataKey: "request_id"] = .string(context.requestID)
        let started = ContinuousClock().now
        var response: Response
        do {
            let headerBytes = request.headers.reduce(0) { $0 + $1.name.rawName.utf8.count + $1.value.utf8.count + 4 }
            if headerBytes > maxHeaderBytes {
                throw Problem(.headersTooLarge, "request headers are \(headerBytes) bytes; the limit is \(maxHeaderBytes)")
            }
            response = try await next(request, context)
        } catch {
            let problem = Self.problem(for: error, request: request)
            if problem.kind == .internalError {
                context.logger.error("\(request.method) \(request.uri.path) failed: \(String(reflecting: error))")
            }
            // Awaited, not detached: the throttle keeps this to a few records a minute per caller.
            await refusals?.record(problem, request: request, requestID: context.requestID, identity: context.identity)
            response = problem.response(requestID: context.requestID)
        }
        response.headers[Self.requestIDHeader] = context.requestID
        let route = GatewayRoutes.route(method: request.method, path: Substring(request.uri.path))?.path ?? "unmatched"
        let duration = started.duration(to: ContinuousClock().now)
        metrics.observeRequest(route: route, method: request.method.rawValue, status: response.status.code, duration: duration)
        if response.status.code >= 500 {
            context.logger.warning("\(request.method) \(request.uri.path) → \(response.status.code)")
        } else {
            context.logger.debug("\(request.method) \(request.uri.path) → \(response.status.code)")
        }
        return response
    }

    /// Maps any error to a problem: ours as they are, Hummingbird's by status, anything else as
    /// a 500 that does not leak internals.
    static func problem(for error: any Error, request: Request) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case is NIOTooManyBytesError:
            return Problem(.payloadTooLarge, "the request body exceeds the limit")
        case let error as HTTPError where error.status == .notFound:
            let path = Substring(request.uri.path)
            let allowed = GatewayRoutes.methods(forPath: path)
            if !allowed.isEmpty {
                return Problem(
                    .methodNotAllowed, "\(request.method) is not served on \(path) (allowed: \(allowed.joined(separator: ", ")))",
                    headers: [.allow: allowed.joined(separator: ", ")])
            }
            return Problem.notFound("no route \(request.method) \(path) (see /openapi.json)")
        case let error as HTTPError:
            let kind = Problem.Kind("http-\(error.status.code)", error.status, error.status.reasonPhrase)
            return Problem(kind, error.body ?? error.status.reasonPhrase)
        case let error as any HTTPResponseError:
            let kind = Problem.Kind("http-\(error.status.code)", error.status, error.status.reasonPhrase)
            return Problem(kind, error.status.reasonPhrase)
        default:
            return Problem(.internalError, "internal error; see the gateway log for request details")
        }
    }

    /// Client-chosen ids are echoed only when short and plain, so logs cannot be forged with them.
    static func isSafeRequestID(_ id: String) -> Bool {
        (1...128).contains(id.utf8.count)
            && id.utf8.allSatisfy { byte in
                (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || byte == 45 || byte == 95 || byte == 46
            }
    }
}
