import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KeelCore
import KeelGateway
import KeelTestSupport
import NIOCore
import Synchronization
import Testing

/// Counts the GETs of the JWKS served by `withJWKSServer`.
final class JWKSFetchCounter: Sendable {
    private let value = Mutex(0)
    var count: Int { value.withLock { $0 } }
    func record() { value.withLock { $0 += 1 } }
}

/// Serves `jwks` at a loopback URL from a tiny server of the test's own, counting every fetch,
/// and runs `body` with that URL. Counting requests is exact: no timing, no file-system guesses.
func withJWKSServer(_ jwks: String, _ body: @escaping @Sendable (String, JWKSFetchCounter) async throws -> Void) async throws {
    let counter = JWKSFetchCounter()
    let router = Router()
    router.get("jwks.json") { _, _ -> Response in
        counter.record()
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: jwks)))
    }
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: quietLogger("jwks"))
    try await app.test(.live) { client in
        let port = try #require(client.port)
        try await body("http://127.0.0.1:\(port)/jwks.json", counter)
    }
}

/// A token with a well-formed RS256 header naming a `kid` no JWKS has: what an attacker sends
/// to make the gateway re-read the identity provider's keys.
func junkToken(kid: String) -> String {
    let header = IdentityProvider.base64URL(Data(#"{"alg":"RS256","typ":"JWT","kid":"\#(kid)"}"#.utf8))
    let payload = IdentityProvider.base64URL(
        Data(
            #"{"iss":"https://idp.test/realms/keel","sub":"x","aud":"keel-gateway","exp":9999999999,"tenant":"acme","realm_access":{"roles":["producer"]}}"#
                .utf8))
    return "\(header).\(payload).c2lnbmF0dXJl"
}

@Suite("JWT / OIDC: the JWKS refetch limit")
struct JWKSRefetchTests {
    /// `cooldownApplies: false` is the control: with no cooldown every unknown kid re-reads the JWKS, which
    /// shows the counter sees forced re-reads, so the bounded case's count means something.
    @Test(
        "junk tokens with unknown kids re-read the JWKS at most once per cooldown",
        arguments: [false, true])
    func unknownKidsWithinTheCooldown(cooldownApplies: Bool) async throws {
        let harness = try await Harness { $0.rateLimits.enabled = false }
        let idp = try await IdentityProvider(directory: harness.directory.path)
        let jwks = try String(contentsOfFile: idp.jwksPath, encoding: .utf8)
        let valid = try await idp.token()
        let junk = (0..<20).map { junkToken(kid: "junk-\($0)") }
        try await withJWKSServer(jwks) { url, fetches in
            var configuration = JWTConfiguration(keys: .url(url), issuer: "https://idp.test/realms/keel", audience: "keel-gateway")
            // An hour: longer than this test runs on any machine, so every junk token below falls
            // inside one cooldown however slow the run (the default is 2 s).
            configuration.unknownKidCooldown = cooldownApplies ? .seconds(3600) : .zero
            let verifier = JWTVerifier(configuration: configuration, logger: quietLogger())
            try await verifier.load()
            #expect(fetches.count == 1, "load() reads the JWKS once")
            try await harness.withRouter(jwt: verifier) { client in
                try await client.createTenant("acme")
                #expect(try await client.post(event: structuredEvent(id: "v1"), token: valid).status == .accepted)
                #expect(fetches.count == 1, "a known kid needs no fetch")
                for token in junk {
                    let response = try await client.post(event: structuredEvent(id: "junk"), token: token)
                    expectProblem(response, .unauthorized, "unauthorized")
                }
                if cooldownApplies {
                    // The first unknown kid may force one re-read; the other 19 are inside its cooldown.
                    #expect(fetches.count == 2, "\(junk.count) junk tokens caused \(fetches.count - 1) JWKS fetches after load")
                } else {
                    #expect(fetches.count == 1 + junk.count, "with no cooldown each unknown kid re-reads the JWKS")
                }
                // The known key still works, from the keys already held.
                let before = fetches.count
                #expect(try await client.post(event: structuredEvent(id: "v2"), token: valid).status == .accepted)
                #expect(fetches.count == before)
            }
        }
        await harness.remove()
    }
}
