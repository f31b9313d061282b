import Foundation
import HTTPTypes
import Hummingbird
import KeelCore

/// An RFC 9457 problem: every error the gateway returns, as `application/problem+json`.
///
/// `kind` fixes the stable `type` URI (`https://keel.dev/problems/<kind>`) that clients switch
/// on; `detail` is for humans and may change. Extra members (`field`, `index`, `limit`, …) carry
/// what a client needs to fix the request.
public struct Problem: Error, Sendable, HTTPResponseError, CustomStringConvertible {
    /// The stable identity of a problem kind. Extensible: new kinds are new static members.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        public let slug: String
        public let status: HTTPResponse.Status
        public let title: String

        public init(_ slug: String, _ status: HTTPResponse.Status, _ title: String) {
            self.slug = slug
            self.status = status
            self.title = title
        }

        public var typeURI: String { "\(Problem.typeBase)\(slug)" }
        public var description: String { slug }

        public static let malformedJSON = Kind("malformed-json", .badRequest, "Malformed JSON")
        public static let invalidEvent = Kind("invalid-event", .badRequest, "Invalid event")
        public static let invalidRequest = Kind("invalid-request", .badRequest, "Invalid request")
        public static let tenantRequired = Kind("tenant-required", .badRequest, "Tenant required")
        public static let unauthorized = Kind("unauthorized", .unauthorized, "Authentication required")
        public static let forbidden = Kind("forbidden", .forbidden, "Forbidden")
        public static let typeNotAllowed = Kind("type-not-allowed", .forbidden, "Event type not allowed")
        public static let notFound = Kind("not-found", .notFound, "Not found")
        public static let methodNotAllowed = Kind("method-not-allowed", .methodNotAllowed, "Method not allowed")
        public static let conflict = Kind("conflict", .conflict, "Conflict")
        public static let gone = Kind("gone", .gone, "Gone")
        public static let payloadTooLarge = Kind("payload-too-large", .contentTooLarge, "Request body too large")
        public static let unsupportedMediaType = Kind("unsupported-media-type", .unsupportedMediaType, "Unsupported media type")
        public static let upgradeRequired = Kind("upgrade-required", .upgradeRequired, "Upgrade required")
        public static let headersTooLarge = Kind("headers-too-large", .requestHeaderFieldsTooLarge, "Request headers too large")
        public static let rateLimited = Kind("rate-limited", .tooManyRequests, "Too many requests")
        public static let notReady = Kind("not-ready", .serviceUnavailable, "Not ready")
        public static let unavailable = Kind("unavailable", .serviceUnavailable, "Dependency unavailable")
        public static let internalError = Kind("internal", .internalServerError, "Internal error")
    }

    public static let typeBase = "https://keel.dev/problems/"
    public static let mediaType = "application/problem+json"

    public var kind: Kind
    public var detail: String
    /// Extra members of the problem object.
    public var extensions: [String: JSONValue]
    /// Extra response headers (`Retry-After`, `Allow`, `WWW-Authenticate`, …).
    public var headers: HTTPFields

    public init(_ kind: Kind, _ detail: String, extensions: [String: JSONValue] = [:], headers: HTTPFields = [:]) {
        self.kind = kind
        self.detail = detail
        self.extensions = extensions
        self.headers = headers
    }

    public var status: HTTPResponse.Status { kind.status }
    public var description: String { "\(kind.status.code) \(kind.slug): \(detail)" }

    /// The problem object, with `instance` set to the request id when there is one.
    public func body(requestID: String?) -> JSONValue {
        var members = extensions
        members["type"] = .string(kind.typeURI)
        members["title"] = .string(kind.title)
        members["status"] = .int(Int64(kind.status.code))
        members["detail"] = .string(detail)
        if let requestID, !requestID.isEmpty { members["instance"] = .string("urn:keel:request:\(requestID)") }
        return .object(members)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        response(requestID: (context as? GatewayContext)?.requestID)
    }

    public func response(requestID: String?) -> Response {
        var fields = headers
        fields[.contentType] = Problem.mediaType
        let bytes = body(requestID: requestID).serialized()
        return Response(status: kind.status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

extension Problem {
    public static func badRequest(kind: Kind = .invalidRequest, _ detail: String, field: String? = nil) -> Problem {
        Problem(kind, detail, extensions: field.map { ["field": .string($0)] } ?? [:])
    }

    public static func unauthorized(_ detail: String) -> Problem {
        Problem(.unauthorized, detail, headers: [.wwwAuthenticate: "Bearer realm=\"keel\""])
    }

    public static func forbidden(_ detail: String) -> Problem { Problem(.forbidden, detail) }

    public static func notFound(_ detail: String) -> Problem { Problem(.notFound, detail) }

    /// An event that failed validation; `index` is its position in a batch.
    public static func invalidEvent(_ error: EventValidationError, index: Int? = nil) -> Problem {
        // The strict parser's errors (position included) are malformed JSON; everything else about
        // the body (not an array, too many events) is an invalid event request.
        let kind: Kind = error.field == "body" && error.reason.hasPrefix("invalid JSON") ? .malformedJSON : .invalidEvent
        var extensions: [String: JSONValue] = ["field": .string(error.field), "reason": .string(error.reason)]
        if let index { extensions["index"] = .int(Int64(index)) }
        return Problem(kind, error.description, extensions: extensions)
    }
}
