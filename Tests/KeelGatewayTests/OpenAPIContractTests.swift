import Foundation
import HTTPTypes
import HummingbirdTesting
import KeelCore
import KeelGateway
import KeelTestSupport
import NIOCore
import Testing

/// What Scripts/fuzz-api.sh holds the server to is `/openapi.json`: these pin the parts of the
/// document the fuzz run found out of step with the handlers, and the links its stateful phase
/// follows.
@Suite("OpenAPI contract")
struct OpenAPIContractTests {
    /// The handlers read an empty single value (`?to=`) as absent; the document said such a
    /// value must be a date-time (or an integer, or one of an enum), so `?to=` answered 200 was
    /// "a schema-violating request accepted".
    @Test("optional single query parameters allow an empty value, which the handlers read as absent")
    func emptyQueryValues() async throws {
        let harness = try await Harness()
        try await harness.withRouter { client in
            let document = try await client.call(.get, "/openapi.json").body.json
            for route in GatewayRoutes.all {
                let operation = document["paths"]?[route.path]?[route.method.rawValue.lowercased()]
                let parameters = operation?["parameters"]?.arrayValue ?? []
                for query in route.query {
                    let parameter = parameters.first { $0["name"]?.stringValue == query.name && $0["in"]?.stringValue == "query" }
                    let allowsEmpty = parameter?["allowEmptyValue"]?.boolValue ?? false
                    #expect(allowsEmpty == (!query.required && !query.repeated), "\(route.operationID) \(query.name)")
                }
            }
            try await client.createTenant("acme")
            let reader = try await client.createKey(tenant: "acme", roles: ["reader"])
            for uri in [
                "/v1/audit?to=&from=&limit=&cursor=", "/v1/analytics/activity?to=&from=&bucket=&tz=", "/v1/projections/keys/documents?limit=&sort=",
            ] {
                let response = try await client.call(.get, uri, token: reader)
                #expect(response.status == .ok, "\(uri): \(response.body.text)")
            }
            // A value that is there is held to its schema.
            for uri in ["/v1/audit?to=yesterday", "/v1/audit?limit=0", "/v1/analytics/activity?bucket=week"] {
                expectProblem(try await client.call(.get, uri, token: reader), .badRequest, "invalid-request")
            }
        }
        await harness.remove()
    }

    @Test("every link names a documented operation and its parameters, and a created key's link values revoke it")
    func links() async throws {
        let harness = try await Harness()
        try await harness.withRouter { client in
            let document = try await client.call(.get, "/openapi.json").body.json
            var operations: [String: JSONValue] = [:]
            for (_, methods) in document["paths"]?.objectValue ?? [:] {
                for (_, operation) in methods.objectValue ?? [:] {
                    if let id = operation["operationId"]?.stringValue { operations[id] = operation }
                }
            }
            var linked: Set<String> = []
            for route in GatewayRoutes.all {
                let links =
                    document["paths"]?[route.path]?[route.method.rawValue.lowercased()]?["responses"]?[String(route.success.code)]?["links"]?
                    .objectValue ?? [:]
                #expect(links.count == route.links.count, "\(route.operationID)")
                for (name, link) in links {
                    let target = try #require(link["operationId"]?.stringValue.flatMap { operations[$0] }, "\(route.operationID) \(name)")
                    let names = Set((target["parameters"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue })
                    for parameter in link["parameters"]?.objectValue?.keys ?? [:].keys {
                        #expect(names.contains(parameter), "\(route.operationID) → \(name): \(parameter)")
                    }
                    linked.insert("\(route.operationID)→\(link["operationId"]?.stringValue ?? "")")
                }
            }
            #expect(
                linked.isSuperset(of: ["createTenant→getTenant", "createApiKey→revokeApiKey", "createApiKey→rotateApiKey", "startReplay→getReplay"]))

            // The runtime expressions resolve against real bodies.
            let tenant = try await client.call(.post, "/v1/tenants", token: adminKey, body: #"{"tenantId":"acme","name":"Acme"}"#)
            let tenantID = try #require(tenant.body.json["tenantId"]?.stringValue)
            #expect(try await client.call(.get, "/v1/tenants/\(tenantID)", token: adminKey).status == .ok)
            let key = try await client.call(.post, "/v1/tenants/\(tenantID)/keys", token: adminKey, body: #"{"name":"k","roles":["reader"]}"#)
            let keyTenant = try #require(key.body.json["tenantId"]?.stringValue)
            let keyID = try #require(key.body.json["keyId"]?.stringValue)
            let rotated = try await client.call(.post, "/v1/tenants/\(keyTenant)/keys/\(keyID)/rotate", token: adminKey)
            #expect(rotated.status == .ok, "\(rotated.body.text)")
            let revoked = try await client.call(
                .delete, "/v1/tenants/\(rotated.body.json["tenantId"]?.stringValue ?? "")/keys/\(rotated.body.json["keyId"]?.stringValue ?? "")",
                token: adminKey)
            #expect(revoked.status == .ok, "\(revoked.body.text)")
        }
        await harness.remove()
    }
}
