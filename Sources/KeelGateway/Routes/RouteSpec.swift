import HTTPTypes
import KeelCore

/// One route of the gateway's contract: what registers it, guards it and documents it.
///
/// The router, the permission check, the rate-limit class and `/openapi.json` are all built from
/// the same `RouteSpec` values, so the documented API cannot drift from the served one.
public struct RouteSpec: Sendable, Hashable {
    public struct QueryParameter: Sendable, Hashable {
        public var name: String
        public var description: String
        public var required: Bool
        public var repeated: Bool
        /// The JSON Schema of one value when it is narrower than any string (a range, an enum, a
        /// date-time), so the document says what the handler accepts.
        public var schema: JSONValue?

        public init(_ name: String, _ description: String, required: Bool = false, repeated: Bool = false, schema: JSONValue? = nil) {
            self.name = name
            self.description = description
            self.required = required
            self.repeated = repeated
            self.schema = schema
        }
    }

    /// An OpenAPI link from this route's success response to another operation: how a client
    /// (and a stateful fuzzer) goes on from what it just created.
    public struct Link: Sendable, Hashable {
        public var name: String
        public var operationID: String
        /// Target parameter name to a runtime expression (`$response.body#/tenantId`).
        public var parameters: [String: String]

        public init(_ name: String, to operationID: String, _ parameters: [String: String]) {
            self.name = name
            self.operationID = operationID
            self.parameters = parameters
        }
    }

    public var method: HTTPRequest.Method
    /// The path template in OpenAPI form: `/v1/tenants/{tenant}/keys`.
    public var path: String
    public var operationID: String
    public var summary: String
    /// What the caller needs; `nil` for public routes (health, metrics, the OpenAPI document).
    public var permission: Permission?
    public var query: [QueryParameter]
    /// The success status and what it returns, for the OpenAPI document.
    public var success: HTTPResponse.Status
    /// Other success statuses the route may answer with, documented like `success` (a run start
    /// with `?wait` answers 200 when the run ended in time, else 202).
    public var otherSuccesses: [HTTPResponse.Status]
    public var successMediaType: String
    /// A JSON Schema of the request body, when the route takes one.
    public var requestSchema: JSONValue?
    public var requestMediaTypes: [String]
    /// A media type's own schema where it differs from `requestSchema` (ingest: one event, a
    /// batch, or binary mode's any body).
    public var requestSchemas: [String: JSONValue]
    public var links: [Link]

    public init(
        _ method: HTTPRequest.Method, _ path: String, operationID: String, summary: String, permission: Permission?,
        query: [QueryParameter] = [], success: HTTPResponse.Status = .ok, otherSuccesses: [HTTPResponse.Status] = [],
        successMediaType: String = "application/json",
        requestSchema: JSONValue? = nil, requestMediaTypes: [String] = ["application/json"], requestSchemas: [String: JSONValue] = [:],
        links: [Link] = []
    ) {
        self.method = method
        self.path = path
        self.operationID = operationID
        self.summary = summary
        self.permission = permission
        self.query = query
        self.success = success
        self.otherSuccesses = otherSuccesses
        self.successMediaType = successMediaType
        self.requestSchema = requestSchema
        self.requestMediaTypes = requestMediaTypes
        self.requestSchemas = requestSchemas
        self.links = links
    }

    /// The path in Hummingbird's syntax (`/v1/tenants/:tenant/keys`).
    public var routerPath: String {
        segments.map { $0.hasPrefix("{") ? ":" + $0.dropFirst().dropLast() : $0 }.joined(separator: "/").prefixedWithSlash
    }

    /// Names of the `{…}` path parameters, in order.
    public var pathParameters: [String] {
        segments.filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) }
    }

    /// Does a concrete request path fit this template (ignoring the method)?
    /// Empty segments (`//`) are ignored on both sides, as the router does. Runs for every request
    /// (its metrics label), so it walks both paths' bytes without splitting them into strings.
    public func matches(path requestPath: Substring) -> Bool {
        let slash = UInt8(ascii: "/")
        var template = path.utf8[...]
        var actual = requestPath.utf8[...]
        while true {
            template = template.drop { $0 == slash }
            actual = actual.drop { $0 == slash }
            if template.isEmpty || actual.isEmpty { return template.isEmpty && actual.isEmpty }
            let templateEnd = template.firstIndex(of: slash) ?? template.endIndex
            let actualEnd = actual.firstIndex(of: slash) ?? actual.endIndex
            let isParameter = template.first == UInt8(ascii: "{")
            if !isParameter && !template[..<templateEnd].elementsEqual(actual[..<actualEnd]) { return false }
            template = template[templateEnd...]
            actual = actual[actualEnd...]
        }
    }

    private var segments: [String] { path.split(separator: "/").map(String.init) }
}

extension String {
    fileprivate var prefixedWithSlash: String { "/" + self }
}
