import Foundation
import HTTPTypes
import HummingbirdTesting
import KeelCore
import KeelGateway
import Testing

@Suite("Query API")
struct QueryTests {
    @Test("documents, analytics and audit are scoped to the caller's tenant; filters, sort and cursors work")
    func scoped() async throws {
        let harness = try await Harness()
        try await harness.withRouter { client in
            try await client.createTenant("acme")
            try await client.createTenant("globex")
            let acme = try await client.createKey(tenant: "acme", roles: ["producer", "reader"])
            let globex = try await client.createKey(tenant: "globex", roles: ["producer", "reader"])
            for index in 0..<5 {
                _ = try await client.post(event: structuredEvent(id: "a\(index)", type: "com.acme.t\(index % 2)"), token: acme)
            }
            _ = try await client.post(event: structuredEvent(id: "g0", type: "com.globex.only"), token: globex)
            try await waitUntil {
                let response = try await client.call(.get, "/v1/analytics/activity?type=com.acme.t0", token: acme)
                return response.body.json["total"]?.intValue == 3
            }
            let activity = try await client.call(.get, "/v1/analytics/activity?bucket=day&tz=Europe/Paris", token: acme)
            #expect(activity.status == .ok, "\(activity.body.text)")
            let types = Set(activity.body.json["buckets"]?.arrayValue?.compactMap { $0["type"]?.stringValue } ?? [])
            #expect(types.contains("com.acme.t1") && !types.contains("com.globex.only"))
            // Documents: filters, sort, cursor pages; only acme's.
            var seen: [String] = []
            var cursor: String?
            repeat {
                let suffix = cursor.map { "&cursor=\($0)" } ?? ""
                let page = try await client.call(
                    .get, "/v1/projections/activity/documents?filter=type:in:com.acme.t0%7Ccom.acme.t1&sort=-count&limit=1\(suffix)", token: acme)
                #expect(page.status == .ok, "\(page.body.text)")
                seen += page.body.json["documents"]?.arrayValue?.compactMap { $0["type"]?.stringValue } ?? []
                cursor = page.body.json["nextCursor"]?.stringValue
            } while cursor != nil
            #expect(seen == ["com.acme.t0", "com.acme.t1"])
            let all = try await client.call(.get, "/v1/projections/activity/documents", token: globex)
            #expect(all.body.json["documents"]?.arrayValue?.allSatisfy { $0["tenant"]?.stringValue == "globex" } == true)
            // A document of another tenant is indistinguishable from a missing one.
            let acmeDocument = try #require(
                try await client.call(.get, "/v1/projections/activity/documents", token: acme).body.json["documents"]?.arrayValue?.first?["_id"]?
                    .stringValue)
            let encoded = acmeDocument.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            #expect(try await client.call(.get, "/v1/projections/activity/documents/\(encoded)", token: acme).status == .ok)
            expectProblem(try await client.call(.get, "/v1/projections/activity/documents/\(encoded)", token: globex), .notFound, "not-found")
            // Asking for another tenant's data explicitly is refused.
            expectProblem(try await client.call(.get, "/v1/analytics/activity?tenant=acme", token: globex), .forbidden, "forbidden")
            expectProblem(try await client.call(.get, "/v1/audit?tenant=acme", token: globex), .forbidden, "forbidden")
            // The admin reads any tenant, but must name it.
            expectProblem(try await client.call(.get, "/v1/audit", token: adminKey), .badRequest, "tenant-required")
            try await waitUntil {
                let audit = try await client.call(.get, "/v1/audit?tenant=acme", token: adminKey)
                return (audit.body.json["entries"]?.arrayValue?.count ?? 0) >= 1
            }
            // Bad query input.
            expectProblem(try await client.call(.get, "/v1/projections/nope/documents", token: acme), .notFound, "not-found")
            expectProblem(
                try await client.call(.get, "/v1/projections/activity/documents?filter=type:like:x", token: acme), .badRequest, "invalid-request")
            expectProblem(try await client.call(.get, "/v1/projections/activity/documents?limit=0", token: acme), .badRequest, "invalid-request")
            expectProblem(try await client.call(.get, "/v1/analytics/activity?tz=Mars/Olympus", token: acme), .badRequest, "invalid-request")
            expectProblem(try await client.call(.get, "/v1/analytics/activity?bucket=week", token: acme), .badRequest, "invalid-request")
            expectProblem(try await client.call(.get, "/v1/analytics/activity?from=yesterday", token: acme), .badRequest, "invalid-request")
        }
        await harness.remove()
    }
}
