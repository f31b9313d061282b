import HTTPTypes
import KeelCore

/// The gateway's route contract (extend it, don't rename it). Every served route is listed here.
public enum GatewayRoutes {
    public static let ingest = RouteSpec(
        .post, "/v1/events", operationID: "ingestEvents",
        summary: "Ingest CloudEvents (structured, binary or batch mode); 202 with their coordinates.",
        permission: .ingest, success: .accepted,
        requestSchema: .object([
            "type": .string("object"),
            "description": .string("A CloudEvent (structured mode), a JSON array of them (batch mode), or any body with ce-* headers (binary mode)."),
        ]),
        requestMediaTypes: ["application/cloudevents+json", "application/cloudevents-batch+json", "application/json", "*/*"],
        requestSchemas: [
            "application/cloudevents+json": cloudEvent,
            "application/cloudevents-batch+json": .object([
                "type": .string("array"), "items": cloudEvent, "minItems": .int(1),
                "description": .string("At most --max-batch-events events (default 1000)."),
            ]),
            // Binary mode: the body is the event's data, whatever its media type; the attributes
            // are ce-* headers, which a schema of the body cannot require.
            "application/json": .object([
                "description": .string(
                    "Binary mode: the event's data; the attributes are ce-* headers (ce-specversion, ce-id, ce-source, ce-type required).")
            ]),
            "*/*": .object([
                "description": .string(
                    "Binary mode: the event's data; the attributes are ce-* headers (ce-specversion, ce-id, ce-source, ce-type required).")
            ]),
        ])
    public static let createTenant = RouteSpec(
        .post, "/v1/tenants", operationID: "createTenant", summary: "Create a tenant.", permission: .manageTenants,
        success: .created,
        requestSchema: schema(
            required: ["tenantId", "name"],
            properties: [
                "tenantId": .object(["type": .string("string"), "pattern": .string("^[a-z0-9][a-z0-9-]{0,62}$")]),
                "name": lengthBounded(TenantDecider.nameLengthRange),
                "plan": .object(["type": .string("string"), "enum": .array([.string("free"), .string("pro"), .string("enterprise")])]),
            ]),
        links: [
            .init("GetTenant", to: "getTenant", ["tenant": "$response.body#/tenantId"]),
            .init("CreateApiKey", to: "createApiKey", ["tenant": "$response.body#/tenantId"]),
            .init("ListApiKeys", to: "listApiKeys", ["tenant": "$response.body#/tenantId"]),
        ])
    public static let listTenants = RouteSpec(
        .get, "/v1/tenants", operationID: "listTenants", summary: "List tenants.", permission: .manageTenants)
    public static let getTenant = RouteSpec(
        .get, "/v1/tenants/{tenant}", operationID: "getTenant", summary: "Get one tenant.", permission: .manageTenants)
    public static let createKey = RouteSpec(
        .post, "/v1/tenants/{tenant}/keys", operationID: "createApiKey",
        summary: "Create an API key; the secret is in this response only.", permission: .manageKeys, success: .created,
        requestSchema: schema(
            required: ["name", "roles"],
            properties: [
                "name": lengthBounded(ApiKeyDecider.nameLengthRange),
                "roles": .object([
                    "type": .string("array"), "minItems": .int(1),
                    "items": .object(["type": .string("string"), "enum": .array(Role.allCases.map { .string($0.rawValue) })]),
                ]),
                "expiresAt": .object(["type": .string("string"), "format": .string("date-time"), "description": .string("In the future.")]),
                "allowedTypes": .object([
                    "type": .string("array"), "minItems": .int(1), "maxItems": .int(Int64(ApiKeyDecider.maximumAllowedTypes)),
                    "description": .string("Event types or prefix patterns ending in .* (com.acme.*); omit to allow any type."),
                    "items": lengthBounded(1...ApiKeyDecider.maximumAllowedTypeLength),
                ]),
            ]),
        links: [
            .init("RevokeApiKey", to: "revokeApiKey", ["tenant": "$response.body#/tenantId", "keyId": "$response.body#/keyId"]),
            .init("RotateApiKey", to: "rotateApiKey", ["tenant": "$response.body#/tenantId", "keyId": "$response.body#/keyId"]),
        ])
    public static let listKeys = RouteSpec(
        .get, "/v1/tenants/{tenant}/keys", operationID: "listApiKeys", summary: "List a tenant's API keys (never secrets).",
        permission: .manageKeys)
    public static let revokeKey = RouteSpec(
        .delete, "/v1/tenants/{tenant}/keys/{keyId}", operationID: "revokeApiKey",
        summary: "Revoke an API key; every gateway refuses it within a second.", permission: .manageKeys)
    public static let rotateKey = RouteSpec(
        .post, "/v1/tenants/{tenant}/keys/{keyId}/rotate", operationID: "rotateApiKey",
        summary: "Replace a key's secret; the old one stays valid for the grace period.", permission: .manageKeys,
        requestSchema: schema(
            required: [],
            properties: [
                "graceSeconds": .object(["type": .string("integer"), "minimum": .int(0), "maximum": .int(604_800)])
            ]),
        links: [.init("RevokeApiKey", to: "revokeApiKey", ["tenant": "$response.body#/tenantId", "keyId": "$response.body#/keyId"])])
    public static let listDocuments = RouteSpec(
        .get, "/v1/projections/{name}/documents", operationID: "listDocuments",
        summary: "List a projection's documents of the caller's tenant: filters, sort, cursor pages.", permission: .query,
        query: [
            .init("collection", "The projection's collection (default: its first)."),
            .init("filter", "path:op:value with op one of eq, ne, gt, gte, lt, lte, in (values separated by |), exists", repeated: true),
            .init("sort", "Comma-separated paths; prefix - for descending."),
            .init("limit", "Page size, 1…1000 (default 100).", schema: pageLimit),
            .init("cursor", "nextCursor of the previous page."),
            .init("tenant", "For system-wide admins: the tenant to read."),
        ])
    public static let getDocument = RouteSpec(
        .get, "/v1/projections/{name}/documents/{id}", operationID: "getDocument",
        summary: "One document of a projection (404 when it is another tenant's).", permission: .query,
        query: [.init("collection", "The projection's collection (default: its first)."), .init("tenant", "For system-wide admins.")])
    public static let activity = RouteSpec(
        .get, "/v1/analytics/activity", operationID: "activityCounts",
        summary: "Event counts by type over hour/day/month buckets in a time zone.", permission: .query,
        query: [
            .init("type", "Only this event type."), .init("from", "RFC 3339 start (inclusive); default 24 h ago.", schema: dateTime),
            .init("to", "RFC 3339 end (exclusive); default now.", schema: dateTime),
            .init(
                "bucket", "hour | day | month (default hour).",
                schema: .object(["type": .string("string"), "enum": .array(["hour", "day", "month"].map(JSONValue.string))])),
            .init("tz", "IANA time zone (default UTC)."), .init("tenant", "For system-wide admins."),
        ])
    public static let audit = RouteSpec(
        .get, "/v1/audit", operationID: "searchAudit", summary: "Search the tenant's audit trail, newest first.",
        permission: .query,
        query: [
            .init("actor", "Actor id."), .init("type", "Event type."), .init("from", "RFC 3339 (inclusive).", schema: dateTime),
            .init("to", "RFC 3339 (exclusive).", schema: dateTime), .init("limit", "1…1000 (default 100).", schema: pageLimit),
            .init("cursor", "Next page."),
            .init("tenant", "For system-wide admins."),
        ])
    public static let subscribe = RouteSpec(
        .get, "/v1/subscribe", operationID: "subscribe",
        summary: "WebSocket: live CloudEvents of a topic, filtered, resumable from coordinates.", permission: .subscribe,
        query: liveQuery, success: .switchingProtocols)
    public static let stream = RouteSpec(
        .get, "/v1/stream", operationID: "stream", summary: "Server-Sent Events: the same stream, Last-Event-ID resume.",
        permission: .subscribe, query: liveQuery, successMediaType: "text/event-stream")
    public static let projectionStatus = RouteSpec(
        .get, "/v1/projections", operationID: "projectionStatus",
        summary: "Projections, their checkpoints and lag (operators).", permission: .operate)
    public static let startReplay = RouteSpec(
        .post, "/v1/projections/{name}/replays", operationID: "startReplay",
        summary:
            "Rebuild a projection in the server into a shadow generation, then swap it in atomically (platform operators); 202 with the replay's Location. One replay per projection at a time (409).",
        permission: .operate, success: .accepted,
        requestSchema: schema(
            required: [],
            properties: [
                "from": .object([
                    "description": .string("earliest (default), an offset (every partition) or an RFC 3339 time."),
                    "oneOf": .array([.object(["type": .string("string")]), .object(["type": .string("integer"), "minimum": .int(0)])]),
                ]),
                "to": .object([
                    "description": .string("Stop before this offset or RFC 3339 time; the shadow is then kept, not swapped in."),
                    "oneOf": .array([.object(["type": .string("string")]), .object(["type": .string("integer"), "minimum": .int(0)])]),
                ]),
            ]),
        links: [.init("GetReplay", to: "getReplay", ["name": "$request.path.name", "id": "$response.body#/id"])])
    public static let getReplay = RouteSpec(
        .get, "/v1/projections/{name}/replays/{id}", operationID: "getReplay",
        summary: "A replay's progress: state running|completed|failed, phase, processed, lag, total, rate, ETA, error (platform operators).",
        permission: .operate)
    public static let listDeadLetters = RouteSpec(
        .get, "/v1/projections/{name}/deadletters", operationID: "listDeadLetters",
        summary: "A projection's dead-lettered (poison) and parked events, every tenant's (platform operators).", permission: .operate)
    public static let redriveDeadLetter = RouteSpec(
        .post, "/v1/projections/{name}/deadletters/{entryId}/redrive", operationID: "redriveDeadLetter",
        summary: "Ask the projector to re-apply a dead-lettered event and what waits behind it (platform operators); 202.",
        permission: .operate, success: .accepted)
    public static let skipDeadLetter = RouteSpec(
        .post, "/v1/projections/{name}/deadletters/{entryId}/skip", operationID: "skipDeadLetter",
        summary: "Ask the projector to drop a poison event and apply what waits behind it (platform operators); 202.",
        permission: .operate, success: .accepted,
        requestSchema: schema(
            required: [],
            properties: [
                "reason": .object(["type": .string("string"), "maxLength": .int(500), "description": .string("Why (recorded in the skipped event).")])
            ]))
    public static let redriveAllDeadLetters = RouteSpec(
        .post, "/v1/projections/{name}/deadletters/redrive", operationID: "redriveAllDeadLetters",
        summary: "Ask the projector to redrive every blocked key of the projection (platform operators); 202.",
        permission: .operate, success: .accepted)
    public static let healthz = RouteSpec(.get, "/healthz", operationID: "healthz", summary: "Liveness.", permission: nil)
    public static let readyz = RouteSpec(
        .get, "/readyz", operationID: "readyz", summary: "Readiness: log and store reachable, access directory loaded.",
        permission: nil)
    public static let metrics = RouteSpec(
        .get, "/metrics", operationID: "metrics", summary: "Prometheus metrics.", permission: nil,
        successMediaType: "text/plain; version=0.0.4")
    public static let openAPI = RouteSpec(
        .get, "/openapi.json", operationID: "openapi", summary: "This document.", permission: nil)

    public static let all: [RouteSpec] = [
        ingest, createTenant, listTenants, getTenant, createKey, listKeys, revokeKey, rotateKey, listDocuments, getDocument,
        activity, audit, subscribe, stream, projectionStatus, healthz, readyz, metrics, openAPI, startReplay, getReplay,
        listDeadLetters, redriveDeadLetter, skipDeadLetter, redriveAllDeadLetters,
        // Workflows and runs (Workflows/WorkflowRoutes.swift).
        registerWorkflow, listWorkflows, getWorkflow, listWorkflowVersions, rollbackWorkflow, deleteWorkflow, startRun, listRuns,
        getRun, getRunHistory, cancelRun, terminateRun, pauseRun, resumeRun, retryRun,
    ]

    static let liveQuery: [RouteSpec.QueryParameter] = [
        .init("topic", "The topic to follow.", required: true), .init("type", "Only this event type (exact or prefix.*)."),
        .init("key", "Only this partition key."),
        .init("from", "latest (default) | earliest | an RFC 3339 time | a position token from a previous event."),
        .init("tenant", "For system-wide admins."),
    ]

    /// The route a concrete request path and method resolve to, if any.
    public static func route(method: HTTPTypes.HTTPRequest.Method, path: Substring) -> RouteSpec? {
        all.first { $0.method == method && $0.matches(path: path) }
    }

    /// The methods served on a path (for 405's `Allow`).
    public static func methods(forPath path: Substring) -> [String] {
        all.filter { $0.matches(path: path) }.map(\.method.rawValue)
    }

    static let pageLimit: JSONValue = .object(["type": .string("integer"), "minimum": .int(1), "maximum": .int(1000)])
    static let dateTime: JSONValue = .object(["type": .string("string"), "format": .string("date-time")])
    static let nonEmpty: JSONValue = .object(["type": .string("string"), "minLength": .int(1)])

    /// A string whose length in Unicode scalars (JSON Schema's unit, and the deciders') is in `range`.
    static func lengthBounded(_ range: ClosedRange<Int>) -> JSONValue {
        .object(["type": .string("string"), "minLength": .int(Int64(range.lowerBound)), "maxLength": .int(Int64(range.upperBound))])
    }

    /// A CloudEvent in the JSON event format: the required attributes and the kinds of the
    /// optional ones; other members are extension attributes. (Rules a schema cannot state —
    /// source a URI-reference, reserved types, the caller's allowed types — are answered 400/403.)
    static let cloudEvent: JSONValue = .object([
        "type": .string("object"), "required": .array(["specversion", "id", "source", "type"].map(JSONValue.string)),
        "properties": .object([
            "specversion": .object(["type": .string("string"), "enum": .array([.string(CloudEvent.supportedSpecVersion)])]),
            "id": nonEmpty, "source": nonEmpty, "type": nonEmpty, "subject": nonEmpty, "time": dateTime,
            "datacontenttype": .object(["type": .string("string")]), "dataschema": .object(["type": .string("string"), "format": .string("uri")]),
            "data": .object([:]), "data_base64": .object(["type": .string("string"), "contentEncoding": .string("base64")]),
        ]),
    ])

    private static func schema(required: [String], properties: [String: JSONValue]) -> JSONValue {
        .object([
            "type": .string("object"), "required": .array(required.map(JSONValue.string)), "properties": .object(properties),
            "additionalProperties": .bool(false),
        ])
    }
}
