import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import KeelCore
import KeelGateway
import KeelLog
import KeelRuntime
import KeelTestSupport
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

/// An SSE stream held open by a test: what has arrived so far, and the task reading it.
final class HeldStream: Sendable {
    final class Arrived: Sendable {
        let text = Mutex("")
        let status = Mutex<HTTPResponseStatus?>(nil)
    }

    let arrived = Arrived()
    let reader: Task<Void, any Error>

    /// Opens `GET /v1/stream?query` and reads it until the server ends it or the test cancels.
    init(port: Int, query: String, token: String) {
        let arrived = self.arrived
        reader = Task {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/stream?\(query)")
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
            arrived.status.withLock { $0 = response.status }
            for try await chunk in response.body {
                arrived.text.withLock { $0 += String(buffer: chunk) }
            }
        }
    }

    var received: String { arrived.text.withLock { $0 } }
    var status: HTTPResponseStatus? { arrived.status.withLock { $0 } }

    /// Waits until `condition` holds of what arrived; fails naming `what` after `limit`.
    func wait(for what: String, limit: Duration = .seconds(20), _ condition: (String) -> Bool) async throws {
        try await waitUntil(timeout: limit) { condition(received) || (status.map { $0 != .ok } ?? false) }
        #expect(condition(received), "\(what): got \(status.map { "\($0.code)" } ?? "no status"): \(received)")
    }

    func close() async {
        reader.cancel()
        _ = try? await reader.value
    }
}

@Suite("Live streams: limits and credential checks")
struct LiveStreamLimitsTests {
    @Test("streams past the per-credential limit are refused with 429 until one closes")
    func perCredentialLimit() async throws {
        let harness = try await Harness { configuration in
            configuration.subscriptions.limits.perCredential = 2
            // A client that left is noticed at the next write: keep it short here.
            configuration.subscriptions.heartbeat = .milliseconds(100)
        }
        try await harness.withLive { client in
            let port = try #require(client.port)
            try await client.createTenant("acme")
            let reader = try await client.createKey(tenant: "acme", roles: ["reader"])
            let other = try await client.createKey(tenant: "acme", roles: ["reader"])
            let first = HeldStream(port: port, query: "topic=keel.external", token: reader)
            let second = HeldStream(port: port, query: "topic=keel.external", token: reader)
            for stream in [first, second] { try await stream.wait(for: "subscribed") { $0.contains(": subscribed") } }
            let refused = try await client.call(.get, "/v1/stream?topic=keel.external", token: reader)
            expectProblem(refused, .tooManyRequests, "rate-limited")
            #expect(refused.body.json["detail"]?.stringValue?.contains("credential") == true, "\(refused.body.text)")
            expectProblem(try await client.call(.get, "/v1/subscribe?topic=keel.external", token: reader), .tooManyRequests, "rate-limited")
            // Another credential of the tenant is not affected.
            let third = HeldStream(port: port, query: "topic=keel.external", token: other)
            try await third.wait(for: "another key subscribed") { $0.contains(": subscribed") }
            // Once a stream closes its slot is free again.
            await first.close()
            var again = HeldStream(port: port, query: "topic=keel.external", token: reader)
            try await waitUntil {
                if again.received.contains(": subscribed") { return true }
                if again.status == .tooManyRequests {
                    // The server finds a client gone at its next write (a heartbeat): try again.
                    await again.close()
                    again = HeldStream(port: port, query: "topic=keel.external", token: reader)
                }
                return false
            }
            for stream in [second, third, again] { await stream.close() }
        }
        await harness.remove()
    }

    @Test("a stream ends with its reason when its key is revoked, its tenant suspended or its key expires")
    func credentialChecks() async throws {
        let harness = try await Harness(manualClock: true)
        try await harness.withLive { client in
            let port = try #require(client.port)
            try await client.createTenant("acme")
            try await client.createTenant("globex")
            let revoked = try await client.createKey(tenant: "acme", roles: ["reader"])
            let expiring = try await client.createKey(
                tenant: "acme", roles: ["reader"], extra: #","expiresAt":"\#(RFC3339.format(Date().addingTimeInterval(3_600)))""#)
            let suspended = try await client.createKey(tenant: "globex", roles: ["reader"])
            let streams = [revoked, expiring, suspended].map { HeldStream(port: port, query: "topic=keel.external", token: $0) }
            for stream in streams { try await stream.wait(for: "subscribed") { $0.contains(": subscribed") } }

            // Revocation: the stream ends within the sweep interval (250 ms); the bound is generous
            // because CI machines vary by 5x and this is no benchmark.
            let keyID = try #require(ApiKeyToken(parsing: revoked)?.keyId)
            #expect(try await client.call(.delete, "/v1/tenants/acme/keys/\(keyID)", token: adminKey).status == .ok)
            try await streams[0].wait(for: "closed on revocation", limit: .seconds(5)) { $0.contains("event: keel.closed") }
            #expect(streams[0].received.contains("was revoked"))
            #expect(!streams[1].received.contains("keel.closed") && !streams[2].received.contains("keel.closed"))

            try await harness.suspend(tenant: "globex")
            try await streams[2].wait(for: "closed on suspension", limit: .seconds(5)) { $0.contains("event: keel.closed") }
            #expect(streams[2].received.contains("suspended"))

            // Expiry: the clock credentials are checked against moves past the key's expiry.
            #expect(!streams[1].received.contains("keel.closed"))
            harness.advanceClock(by: .seconds(7_200))
            try await streams[1].wait(for: "closed on expiry", limit: .seconds(5)) { $0.contains("event: keel.closed") }
            #expect(streams[1].received.contains("expired"))
            for stream in streams { await stream.close() }
        }
        await harness.remove()
    }
}
