import Foundation
import HTTPTypes
import HummingbirdTesting
import KeelCore
import NIOCore
import Testing

@testable import KeelGateway

@Suite("Per-address limits on failed authentication")
struct PeerRateLimitTests {
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    @Test("an address out of failed attempts gets 429 with Retry-After, even with a valid credential, until tokens return")
    func failedAttemptsAreLimitedPerAddress() async throws {
        let harness = try await Harness(manualClock: true) { configuration in
            configuration.rateLimits.anonymous = RateLimit(perSecond: 1, burst: 3)
        }
        try await harness.withLive { client in
            // Every failure counts: no credential, a malformed one, a wrong one.
            expectProblem(try await client.call(.get, "/v1/audit"), .unauthorized, "unauthorized")
            expectProblem(try await client.call(.get, "/v1/audit", token: "keel_nope"), .unauthorized, "unauthorized")
            expectProblem(try await client.call(.get, "/v1/audit", token: "wrong-admin-key-0123456789abcdef"), .unauthorized, "unauthorized")
            let refused = try await client.call(.get, "/v1/tenants", token: adminKey)
            expectProblem(refused, .tooManyRequests, "rate-limited")
            #expect(refused.headers[.retryAfter] == "1")
            // Without --trusted-proxy, X-Forwarded-For is the client's own claim and changes nothing.
            let spoofed = try await client.call(.get, "/v1/tenants", token: adminKey, headers: [Self.forwardedFor: "198.51.100.9"])
            expectProblem(spoofed, .tooManyRequests, "rate-limited")
            // Public routes are not behind the limit (probes and scrapers keep working).
            #expect(try await client.call(.get, "/healthz").status == .ok)
            harness.advanceClock(by: .milliseconds(1100))
            #expect(try await client.call(.get, "/v1/tenants", token: adminKey).status == .ok)
            // A success costs nothing, so one more failure is allowed, then the address is out again.
            expectProblem(try await client.call(.get, "/v1/audit"), .unauthorized, "unauthorized")
            expectProblem(try await client.call(.get, "/v1/audit"), .tooManyRequests, "rate-limited")
        }
        await harness.remove()
    }

    @Test("X-Forwarded-For names the peer only when a trusted proxy sent it, read from the right")
    func trustedProxyForwardedFor() async throws {
        let harness = try await Harness(manualClock: true) { configuration in
            configuration.rateLimits.anonymous = RateLimit(perSecond: 1, burst: 1)
            configuration.rateLimits.trustedProxies = [IPAddressRange(parsing: "127.0.0.0/8")!]
        }
        try await harness.withLive { client in
            let first: HTTPFields = [Self.forwardedFor: "203.0.113.1"]
            expectProblem(try await client.call(.get, "/v1/audit", headers: first), .unauthorized, "unauthorized")
            expectProblem(try await client.call(.get, "/v1/audit", headers: first), .tooManyRequests, "rate-limited")
            // Another client behind the same proxy has its own bucket.
            expectProblem(try await client.call(.get, "/v1/audit", headers: [Self.forwardedFor: "203.0.113.2"]), .unauthorized, "unauthorized")
            // What the client wrote to the left of what the proxy appended is ignored.
            let forged: HTTPFields = [Self.forwardedFor: "192.0.2.77, 203.0.113.1"]
            expectProblem(try await client.call(.get, "/v1/audit", headers: forged), .tooManyRequests, "rate-limited")
        }
        await harness.remove()
    }

    @Test("peer resolution: trusted hops are skipped, malformed entries stop the walk, IPv6 is keyed by /64")
    func resolver() throws {
        let resolver = PeerAddressResolver(trustedProxies: [IPAddressRange(parsing: "10.0.0.0/8")!, IPAddressRange(parsing: "fd00::1")!])
        let proxy = try SocketAddress(ipAddress: "10.1.2.3", port: 4000)
        func peer(_ remote: SocketAddress?, _ forwarded: String?) -> String {
            resolver.peer(remoteAddress: remote, headers: forwarded.map { [Self.forwardedFor: $0] } ?? [:])
        }
        #expect(peer(try SocketAddress(ipAddress: "192.0.2.5", port: 1), "203.0.113.1") == "192.0.2.5")
        #expect(peer(proxy, "203.0.113.1, 10.9.9.9") == "203.0.113.1")
        #expect(peer(proxy, nil) == "10.1.2.3")
        #expect(peer(proxy, "203.0.113.1, not-an-address") == "10.1.2.3")
        #expect(peer(proxy, "::ffff:203.0.113.4") == "203.0.113.4")
        #expect(peer(try SocketAddress(ipAddress: "2001:db8:1:2:3:4:5:6", port: 1), nil) == "2001:db8:1:2:0:0:0:0/64")
        #expect(peer(try SocketAddress(ipAddress: "fd00::1", port: 1), "2001:db8::9") == "2001:db8:0:0:0:0:0:0/64")
        #expect(peer(nil, "203.0.113.1") == PeerAddressResolver.unknownPeer)
        #expect(IPAddress("01.2.3.4") == nil)
        #expect(IPAddress("1.2.3") == nil)
        #expect(IPAddress("1::2::3") == nil)
        #expect(IPAddress("example.com") == nil)
        #expect(IPAddress("::")?.bytes == Array(repeating: 0, count: 16))
        #expect(IPAddressRange(parsing: "10.0.0.0/33") == nil)
    }

    @Test("a flood of distinct addresses cannot grow the bucket maps past their bound")
    func bucketsAreBounded() {
        var policy = RateLimitPolicy()
        policy.anonymous = RateLimit(perSecond: 1, burst: 1)
        let limiter = RateLimiter(policy: policy, maximumBuckets: 100, now: { 1 })
        for index in 0..<10_000 {
            limiter.chargeFailedAuthentication(peer: "peer-\(index)")
            _ = limiter.check(caller: "caller-\(index)", tenant: "tenant-\(index)", roles: [.reader], route: "searchAudit")
        }
        #expect(limiter.bucketCount <= 300)
        // The most recent addresses are still remembered (and refused).
        #expect(limiter.refusal(peer: "peer-9999") != nil)
    }
}
