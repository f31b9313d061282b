import Foundation
import HTTPTypes
import HummingbirdTesting
import KeelCore
import KeelGateway
import Testing

@Suite("Refusals are audited, throttled")
struct RefusalAuditTests {
    /// The refusal records on `keel.audit` (outcome denied), oldest first.
    static func refusals(_ harness: Harness) async throws -> [JSONValue] {
        try await harness.events(in: "keel.audit").compactMap { event in
            guard let data = event.jsonData, data["outcome"]?.stringValue == "denied" else { return nil }
            var record = data.objectValue ?? [:]
            record["tenantid"] = event.tenantid.map(JSONValue.string) ?? .null
            return .object(record)
        }
    }

    @Test("401s are recorded under the system tenant with the peer and reason, at most N per minute, then with a suppressed count")
    func unauthenticatedRefusals() async throws {
        let harness = try await Harness(manualClock: true) { configuration in
            configuration.rateLimits.refusalAuditsPerMinute = 2
            configuration.rateLimits.anonymous = RateLimit(perSecond: 100, burst: 100)
        }
        try await harness.withRouter { client in
            for _ in 0..<5 { expectProblem(try await client.call(.get, "/v1/audit", token: "keel_nope"), .unauthorized, "unauthorized") }
            #expect(try await Self.refusals(harness).count == 2)
            harness.advanceClock(by: .seconds(31))
            expectProblem(try await client.call(.get, "/v1/audit"), .unauthorized, "unauthorized")
        }
        let records = try await Self.refusals(harness)
        #expect(records.count == 3)
        let first = try #require(records.first)
        #expect(first["tenantid"] == .string("keel"))
        #expect(first["actor"]?["kind"] == .string("anonymous"))
        #expect(first["ip"] == .string("unknown"))  // the in-process test channel has no remote address
        #expect(first["action"] == .string("searchAudit"))
        #expect(first["reason"]?.stringValue?.hasPrefix("unauthorized: malformed API key") == true)
        #expect(first["suppressed"] == nil)
        // The three refusals not recorded within the minute are counted in the next record.
        #expect(records.last?["suppressed"] == .int(3))
        await harness.remove()
    }

    @Test("403 and 429 are recorded under the caller's tenant with its identity")
    func authenticatedRefusals() async throws {
        let harness = try await Harness(manualClock: true) { configuration in
            configuration.rateLimits.perKey = RateLimit(perSecond: 1, burst: 1)
        }
        try await harness.withRouter { client in
            try await client.createTenant("acme")
            let reader = try await client.createKey(tenant: "acme", roles: ["reader"])
            expectProblem(try await client.post(event: structuredEvent(id: "e1"), token: reader), .forbidden, "forbidden")
            #expect(try await client.call(.get, "/v1/audit", token: reader).status == .ok)
            expectProblem(try await client.call(.get, "/v1/audit", token: reader), .tooManyRequests, "rate-limited")
        }
        let records = try await Self.refusals(harness).filter { $0["tenantid"] == .string("acme") }
        #expect(records.count == 2)
        #expect(records.allSatisfy { $0["actor"]?["kind"] == .string("apikey") })
        #expect(records.first?["reason"]?.stringValue?.hasPrefix("forbidden:") == true)
        #expect(records.first?["action"] == .string("ingestEvents"))
        #expect(records.last?["reason"]?.stringValue?.hasPrefix("rate-limited:") == true)
        await harness.remove()
    }
}
