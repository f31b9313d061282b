import Foundation
import HTTPTypes
import HummingbirdTesting
import KeelCore
import KeelGateway
import Testing

@Suite("Operations")
struct OpsTests {
    @Test("healthz, readyz, metrics and request ids")
    func endpoints() async throws {
        let harness = try await Harness()
        try await harness.withRouter { client in
            #expect(try await client.call(.get, "/healthz").status == .ok)
            try await waitUntil { try await client.call(.get, "/readyz").status == .ok }
            try await client.createTenant("acme")
            let producer = try await client.createKey(tenant: "acme", roles: ["producer"])
            _ = try await client.post(event: structuredEvent(id: "m1"), token: producer)
            _ = try await client.post(event: structuredEvent(id: "m1"), token: producer)
            _ = try await client.call(.post, "/v1/events", token: producer, contentType: "application/cloudevents+json", body: "{")
            let echoed = try await client.call(.get, "/healthz", headers: [HTTPField.Name("X-Request-Id")!: "abc-123"])
            #expect(echoed.headers[HTTPField.Name("X-Request-Id")!] == "abc-123")
            #expect(try await client.call(.get, "/healthz").headers[HTTPField.Name("X-Request-Id")!]?.isEmpty == false)
            // Invented methods are counted under one label, so a client cannot grow the registry.
            #expect(try await client.call(HTTPRequest.Method("BREW")!, "/healthz").status == .methodNotAllowed)
            #expect(try await client.call(HTTPRequest.Method("BREW")!, "/healthz").status == .methodNotAllowed)
            let metrics = try await client.call(.get, "/metrics").body.text
            #expect(metrics.contains(#"keel_gateway_http_requests_total{route="unmatched",method="OTHER",status="405"} 2"#))
            #expect(!metrics.contains("BREW"))
            #expect(metrics.contains(#"keel_gateway_http_requests_total{route="/healthz",method="GET",status="200"}"#))
            #expect(metrics.contains("keel_gateway_events_accepted_total 1"))
            #expect(metrics.contains("keel_gateway_events_deduplicated_total 1"))
            #expect(metrics.contains("keel_gateway_events_rejected_total 1"))
            #expect(metrics.contains(#"keel_gateway_http_requests_total{route="/v1/events",method="POST",status="202"}"#))
            #expect(metrics.contains("keel_gateway_http_request_duration_seconds_bucket"))
            #expect(metrics.contains("keel_gateway_produce_duration_seconds_bucket"))
            #expect(metrics.contains(#"keel_projector_lag_records{projection="activity"}"#))
        }
        await harness.remove()
    }

    @Test("/openapi.json lists exactly the served routes, and every listed operation is served")
    func openAPIInSync() async throws {
        let harness = try await Harness()
        try await harness.withRouter { client in
            let document = try await client.call(.get, "/openapi.json").body.json
            #expect(document["openapi"]?.stringValue == "3.1.0")
            let paths = try #require(document["paths"]?.objectValue)
            var listed: Set<String> = []
            for (path, operations) in paths {
                for method in operations.objectValue?.keys ?? [:].keys {
                    listed.insert("\(method.uppercased()) \(path)")
                    let concrete = path.replacingOccurrences(of: "{tenant}", with: "acme").replacingOccurrences(of: "{keyId}", with: "k")
                        .replacingOccurrences(of: "{name}", with: "activity").replacingOccurrences(of: "{id}", with: "x")
                    guard concrete != "/v1/stream" else { continue }
                    let response = try await client.call(HTTPRequest.Method(method.uppercased())!, concrete)
                    #expect(
                        response.status != .notFound || response.body.json["type"]?.stringValue != "https://keel.dev/problems/not-found",
                        "\(method) \(path) is documented but not served")
                    #expect(response.status != .methodNotAllowed, "\(method) \(path)")
                }
            }
            #expect(listed == Set(GatewayRoutes.all.map { "\($0.method.rawValue) \($0.path)" }))
        }
        await harness.remove()
    }
}
