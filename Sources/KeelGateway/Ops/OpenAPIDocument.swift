import HTTPTypes
import KeelCore

/// `/openapi.json`: an OpenAPI 3.1 document generated from `GatewayRoutes.all`, so it lists
/// exactly the routes the gateway registers (a test checks every listed operation is served).
public enum OpenAPIDocument {
    public static func build(version: String = "1.0.0") -> JSONValue {
        var paths: [String: JSONValue] = [:]
        for route in GatewayRoutes.all {
            var operations = paths[route.path]?.objectValue ?? [:]
            operations[route.method.rawValue.lowercased()] = operation(route)
            paths[route.path] = .object(operations)
        }
        return .object([
            "openapi": .string("3.1.0"),
            "info": .object([
                "title": .string("Keel gateway"), "version": .string(version),
                "description": .string("CloudEvents ingest, tenants and API keys, queries over projections, live streams."),
            ]),
            "paths": .object(paths),
            "components": .object([
                "securitySchemes": .object([
                    "bearer": .object(["type": .string("http"), "scheme": .string("bearer"), "description": .string("An API key (keel_…) or a JWT.")]
                    ),
                    "apiKey": .object(["type": .string("apiKey"), "in": .string("header"), "name": .string("X-API-Key")]),
                ]),
                "schemas": .object([
                    "Problem": .object([
                        "type": .string("object"), "required": .array([.string("type"), .string("title"), .string("status")]),
                        "properties": .object([
                            "type": .object(["type": .string("string"), "format": .string("uri")]),
                            "title": .object(["type": .string("string")]), "status": .object(["type": .string("integer")]),
                            "detail": .object(["type": .string("string")]), "instance": .object(["type": .string("string")]),
                        ]),
                    ])
                ]),
            ]),
        ])
    }

    static func operation(_ route: RouteSpec) -> JSONValue {
        var parameters: [JSONValue] = route.pathParameters.map { name in
            .object(["name": .string(name), "in": .string("path"), "required": .bool(true), "schema": .object(["type": .string("string")])])
        }
        for query in route.query {
            let value = query.schema ?? .object(["type": .string("string")])
            let schema: JSONValue = query.repeated ? .object(["type": .string("array"), "items": value]) : value
            var parameter: [String: JSONValue] = [
                "name": .string(query.name), "in": .string("query"), "required": .bool(query.required),
                "description": .string(query.description), "schema": schema,
            ]
            // `Request.query` reads an empty single value (`?to=`) as an absent one, so the
            // document says an empty value is accepted whatever the value's schema.
            if !query.required && !query.repeated { parameter["allowEmptyValue"] = .bool(true) }
            parameters.append(.object(parameter))
        }
        var success: [String: JSONValue] = [
            "description": .string(route.success.reasonPhrase),
            "content": .object([route.successMediaType: .object(["schema": .object([:])])]),
        ]
        if !route.links.isEmpty {
            success["links"] = .object(
                Dictionary(
                    uniqueKeysWithValues: route.links.map { link in
                        (
                            link.name,
                            .object(["operationId": .string(link.operationID), "parameters": .object(link.parameters.mapValues(JSONValue.string))])
                        )
                    }))
        }
        var responses: [String: JSONValue] = [
            String(route.success.code): .object(success),
            "default": .object([
                "description": .string("An RFC 9457 problem."),
                "content": .object([Problem.mediaType: .object(["schema": .object(["$ref": .string("#/components/schemas/Problem")])])]),
            ]),
        ]
        for status in route.otherSuccesses {
            responses[String(status.code)] = .object([
                "description": .string(status.reasonPhrase),
                "content": .object([route.successMediaType: .object(["schema": .object([:])])]),
            ])
        }
        if route.permission != nil {
            responses["401"] = .object(["description": .string("No or bad credential."), "content": problemContent])
            responses["403"] = .object(["description": .string("The credential lacks the permission."), "content": problemContent])
            responses["429"] = .object(["description": .string("Rate limited (Retry-After, RateLimit-* headers)."), "content": problemContent])
        }
        var operation: [String: JSONValue] = [
            "operationId": .string(route.operationID), "summary": .string(route.summary), "parameters": .array(parameters),
            "responses": .object(responses),
        ]
        if let permission = route.permission {
            operation["security"] = .array([.object(["bearer": .array([])]), .object(["apiKey": .array([])])])
            operation["x-keel-permission"] = .string(permission.rawValue)
        } else {
            operation["security"] = .array([])
        }
        if let schema = route.requestSchema {
            var content: [String: JSONValue] = [:]
            for mediaType in route.requestMediaTypes { content[mediaType] = .object(["schema": route.requestSchemas[mediaType] ?? schema]) }
            operation["requestBody"] = .object([
                "required": .bool(route.method != .post || route.operationID != "rotateApiKey"), "content": .object(content),
            ])
        }
        return .object(operation)
    }

    static let problemContent: JSONValue = .object([
        Problem.mediaType: .object(["schema": .object(["$ref": .string("#/components/schemas/Problem")])])
    ])
}
