import Foundation
import HTTPTypes
import HummingbirdTesting
import KeelCore
import KeelGateway
import KeelStore
import Testing

@Suite("JSON depth and client cursors at the gateway")
struct DepthLimitTests {
    static func nested(_ levels: Int) -> String {
        String(repeating: "[", count: levels) + "1" + String(repeating: "]", count: levels)
    }

    @Test("ingest refuses data deeper than JSONLimits.maximumDepth (counting the envelope) with a 400")
    func ingestDepth() async throws {
        let harness = try await Harness()
        try await harness.withRouter { client in
            try await client.createTenant("acme")
            let producer = try await client.createKey(tenant: "acme", roles: ["producer"])
            // The envelope is one level, so data may use the other maximumDepth - 1.
            let deepest = try await client.post(event: structuredEvent(id: "ok", data: Self.nested(JSONLimits.maximumDepth - 1)), token: producer)
            #expect(deepest.status == .accepted, "\(deepest.body.text)")
            let tooDeep = try await client.post(event: structuredEvent(id: "deep", data: Self.nested(JSONLimits.maximumDepth)), token: producer)
            expectProblem(tooDeep, .badRequest, "malformed-json")
        }
        await harness.remove()
    }

    @Test("a malformed, oversized or too-deep cursor is a 400 naming the cursor, never a 500")
    func cursors() async throws {
        let harness = try await Harness()
        try await harness.withRouter { client in
            try await client.createTenant("acme")
            let reader = try await client.createKey(tenant: "acme", roles: ["reader"])
            let ordering = try DocumentOrdering([SortField("time", ascending: false)])
            let deep = (0..<(JSONLimits.maximumDecodedDepth + 10)).reduce(DocumentValue.int(1)) { inner, _ in .array([inner]) }
            let cursors = [
                "not-a-cursor!",
                String(repeating: "A", count: PageCursor.maximumLength + 1),
                PageCursor.encode(DocumentOrdering.Key(values: [deep], id: .string("x")), ordering: ordering),
            ]
            for cursor in cursors {
                for route in ["/v1/audit", "/v1/projections/keys/documents"] {
                    let response = try await client.call(.get, "\(route)?cursor=\(cursor)", token: reader)
                    expectProblem(response, .badRequest, "invalid-request")
                    #expect(response.body.json["detail"]?.stringValue?.contains("cursor") == true, "\(response.body.text)")
                }
            }
        }
        await harness.remove()
    }
}
