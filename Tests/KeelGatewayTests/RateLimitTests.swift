import Foundation
import HTTPTypes
import HummingbirdTesting
import KeelCore
import KeelGateway
import Testing

@Suite("Rate limits")
struct RateLimitTests {
    @Test("per key: 429 with Retry-After and RateLimit-* headers once the bucket is empty; per route and per tenant")
    func buckets() async throws {
        let harness = try await Harness(manualClock: true) { configuration in
            configuration.rateLimits.perKey = RateLimit(perSecond: 1, burst: 3)
            configuration.rateLimits.perTenant = RateLimit(perSecond: 1, burst: 5)
            configuration.rateLimits.perRoute["searchAudit"] = RateLimit(perSecond: 100, burst: 100)
        }
        try await harness.withRouter { client in
            try await client.createTenant("acme")
            let first = try await client.createKey(tenant: "acme", roles: ["producer", "reader"])
            let second = try await client.createKey(tenant: "acme", roles: ["producer"])
            for index in 0..<3 {
                let response = try await client.post(event: structuredEvent(id: "r\(index)"), token: first)
                #expect(response.status == .accepted)
                #expect(response.headers[HTTPField.Name("RateLimit-Limit")!] == "3")
                #expect(response.headers[HTTPField.Name("RateLimit-Remaining")!] == String(2 - index))
            }
            let limited = try await client.post(event: structuredEvent(id: "r3"), token: first)
            expectProblem(limited, .tooManyRequests, "rate-limited")
            #expect(limited.headers[.retryAfter] == "1")
            #expect(limited.headers[HTTPField.Name("RateLimit-Remaining")!] == "0")
            // Another route has its own limit for the same key.
            #expect(try await client.call(.get, "/v1/audit", token: first).status == .ok)
            // The tenant bucket (5) is shared by every key and route: 4 taken (3 events, 1 audit
            // read; the refused request took none), so the second key gets one more.
            #expect(try await client.post(event: structuredEvent(id: "s0"), token: second).status == .accepted)
            expectProblem(try await client.post(event: structuredEvent(id: "s1"), token: second), .tooManyRequests, "rate-limited")
            // Tokens come back with time (only the harness's clock moves: the test does not race it).
            harness.advanceClock(by: .milliseconds(1100))
            #expect(try await client.post(event: structuredEvent(id: "r4"), token: first).status == .accepted)
        }
        #expect(try await harness.events(in: "keel.external").count == 5)
        await harness.remove()
    }
}
