import CryptoExtras
import Foundation
import HTTPTypes
import HummingbirdTesting
import JWTKit
import KeelCore
import KeelGateway
import KeelLog
import KeelRuntime
import KeelTestSupport
import Testing

/// Claims as an identity provider (Keycloak-style) would issue them.
struct TestClaims: JWTPayload {
    var iss = "https://idp.test/realms/keel"
    var sub = "user-1"
    var aud = "keel-gateway"
    var exp = Int(Date().timeIntervalSince1970) + 300
    var nbf: Int?
    var tenant: String? = "acme"
    // Keycloak's claim names: JWTKit decodes claims by property name.
    // swift-format-ignore: AlwaysUseLowerCamelCase
    var realm_access: [String: [String]]? = ["roles": ["reader", "producer"]]
    // swift-format-ignore: AlwaysUseLowerCamelCase
    var resource_access: [String: [String: [String]]]?

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// Claims whose tenant claim is a number, which must never read as "no tenant".
struct NumericTenantClaims: JWTPayload {
    var iss = "https://idp.test/realms/keel"
    var sub = "user-1"
    var aud = "keel-gateway"
    var exp = Int(Date().timeIntervalSince1970) + 300
    var tenant = 42
    // swift-format-ignore: AlwaysUseLowerCamelCase
    var realm_access: [String: [String]] = ["roles": ["admin"]]

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// An RSA and an EC signing key, their JWKS, and a gateway configured with it.
struct IdentityProvider {
    let rsa: RSASigningKey
    let ec: ES256PrivateKey
    let signers = JWTKeyCollection()
    let jwksPath: String

    init(directory: String) async throws {
        rsa = try RSASigningKey(backing: _RSA.Signing.PrivateKey(keySize: .bits2048))
        ec = ES256PrivateKey()
        await signers.add(rsa: rsa, digestAlgorithm: .sha256, kid: "rsa-1")
        await signers.add(ecdsa: ec, kid: "ec-1")
        jwksPath = "\(directory)/jwks.json"
        try write(keys: [Self.jwk(rsa: rsa.publicKey, kid: "rsa-1"), Self.jwk(ec: ec.publicKey, kid: "ec-1")])
    }

    func write(keys: [JSONValue]) throws {
        try Data(JSONValue.object(["keys": .array(keys)]).serialized()).write(to: URL(fileURLWithPath: jwksPath))
    }

    func token(_ claims: some JWTPayload = TestClaims(), kid: String = "rsa-1") async throws -> String {
        try await signers.sign(claims, kid: JWKIdentifier(string: kid))
    }

    var configuration: JWTConfiguration {
        var configuration = JWTConfiguration(keys: .file(jwksPath), issuer: "https://idp.test/realms/keel", audience: "keel-gateway")
        configuration.unknownKidCooldown = .zero
        return configuration
    }

    static func jwk(rsa key: RSAVerifyingKey, kid: String) throws -> JSONValue {
        let (modulus, exponent) = try key.getKeyPrimitives()
        return .object([
            "kty": .string("RSA"), "kid": .string(kid), "alg": .string("RS256"), "use": .string("sig"),
            "n": .string(base64URL(modulus)), "e": .string(base64URL(exponent)),
        ])
    }

    static func jwk(ec key: ES256PublicKey, kid: String) -> JSONValue {
        let parameters = key.parameters!
        return .object([
            "kty": .string("EC"), "kid": .string(kid), "alg": .string("ES256"), "crv": .string("P-256"), "use": .string("sig"),
            "x": .string(parameters.x), "y": .string(parameters.y),
        ])
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

@Suite("JWT / OIDC")
struct JWTTests {
    @Test("RS256 and ES256 tokens authenticate with tenant and Keycloak roles; every bad token is refused")
    func tokens() async throws {
        let harness = try await Harness()
        let idp = try await IdentityProvider(directory: harness.directory.path)
        let verifier = JWTVerifier(configuration: idp.configuration, logger: quietLogger())
        try await verifier.load()
        let now = Int(Date().timeIntervalSince1970)
        try await harness.withRouter(jwt: verifier) { client in
            try await client.createTenant("acme")
            // Good tokens: RS256 and ES256.
            let rs = try await idp.token()
            #expect(try await client.post(event: structuredEvent(id: "j1"), token: rs).status == .accepted)
            let es = try await idp.token(kid: "ec-1")
            #expect(try await client.post(event: structuredEvent(id: "j2"), token: es).status == .accepted)
            // Client roles from resource_access.<audience>.roles.
            var clientRoles = TestClaims()
            clientRoles.realm_access = nil
            clientRoles.resource_access = ["keel-gateway": ["roles": ["reader"]]]
            let readerOnly = try await idp.token(clientRoles)
            expectProblem(try await client.post(event: structuredEvent(id: "j3"), token: readerOnly), .forbidden, "forbidden")
            #expect(try await client.call(.get, "/v1/audit", token: readerOnly).status == .ok)
            // A JWT can never act on another tenant.
            expectProblem(try await client.call(.get, "/v1/audit?tenant=globex", token: rs), .forbidden, "forbidden")

            var expired = TestClaims()
            expired.exp = now - 120
            var notYet = TestClaims()
            notYet.nbf = now + 300
            var wrongIssuer = TestClaims()
            wrongIssuer.iss = "https://evil.test"
            var wrongAudience = TestClaims()
            wrongAudience.aud = "someone-else"
            for claims in [expired, notYet, wrongIssuer, wrongAudience] {
                expectProblem(
                    try await client.post(event: structuredEvent(id: "bad"), token: try await idp.token(claims)), .unauthorized, "unauthorized")
            }
            // Small clock skew is tolerated.
            var skewed = TestClaims()
            skewed.exp = now - 5
            #expect(try await client.post(event: structuredEvent(id: "j4"), token: try await idp.token(skewed)).status == .accepted)
            // alg: none.
            let parts = rs.split(separator: ".")
            let noneHeader = IdentityProvider.base64URL(Data(#"{"alg":"none","typ":"JWT","kid":"rsa-1"}"#.utf8))
            expectProblem(try await client.post(event: structuredEvent(id: "n"), token: "\(noneHeader).\(parts[1])."), .unauthorized, "unauthorized")
            // HS256 "signed" with the RSA public key as the HMAC secret.
            let forger = JWTKeyCollection()
            await forger.add(hmac: HMACKey(from: idp.rsa.publicKey.pemRepresentation), digestAlgorithm: .sha256, kid: "rsa-1")
            let forged = try await forger.sign(TestClaims(), kid: "rsa-1")
            expectProblem(try await client.post(event: structuredEvent(id: "f"), token: forged), .unauthorized, "unauthorized")
            // A tampered payload.
            let tampered =
                "\(parts[0]).\(IdentityProvider.base64URL(Data(#"{"iss":"https://idp.test/realms/keel","sub":"x","aud":"keel-gateway","exp":9999999999,"tenant":"globex","realm_access":{"roles":["admin"]}}"#.utf8))).\(parts[2])"
            expectProblem(try await client.post(event: structuredEvent(id: "t"), token: tampered), .unauthorized, "unauthorized")
            // Unknown kid: refused, then accepted once the JWKS has the key (refresh on unknown kid).
            let rotatedKey = try RSASigningKey(backing: _RSA.Signing.PrivateKey(keySize: .bits2048))
            await idp.signers.add(rsa: rotatedKey, digestAlgorithm: .sha256, kid: "rsa-2")
            let newKid = try await idp.token(kid: "rsa-2")
            expectProblem(try await client.post(event: structuredEvent(id: "k1"), token: newKid), .unauthorized, "unauthorized")
            try idp.write(keys: [
                try IdentityProvider.jwk(rsa: idp.rsa.publicKey, kid: "rsa-1"), IdentityProvider.jwk(ec: idp.ec.publicKey, kid: "ec-1"),
                try IdentityProvider.jwk(rsa: rotatedKey.publicKey, kid: "rsa-2"),
            ])
            #expect(try await client.post(event: structuredEvent(id: "k2"), token: newKid).status == .accepted)
        }
        #expect(try await harness.events(in: "keel.external").map(\.id).sorted() == ["j1", "j2", "j4", "k2"])
        await harness.remove()
    }

    @Test("a token's admin role is a tenant admin; only the configured platform role acts platform-wide; tenant claims must be strings")
    func platformAndTenantScopes() async throws {
        let harness = try await Harness()
        let idp = try await IdentityProvider(directory: harness.directory.path)
        var configuration = idp.configuration
        configuration.platformAdminRole = "keel-platform-admin"
        let verifier = JWTVerifier(configuration: configuration, logger: quietLogger())
        try await verifier.load()
        try await harness.withRouter(jwt: verifier) { client in
            try await client.createTenant("acme")
            try await client.createTenant("globex")
            var tenantAdmin = TestClaims()
            tenantAdmin.realm_access = ["roles": ["admin"]]
            let acmeAdmin = try await idp.token(tenantAdmin)
            expectProblem(try await client.call(.get, "/v1/tenants", token: acmeAdmin), .forbidden, "forbidden")
            expectProblem(
                try await client.call(.post, "/v1/tenants", token: acmeAdmin, body: #"{"tenantId":"initech","name":"I"}"#), .forbidden, "forbidden")
            expectProblem(try await client.call(.get, "/v1/tenants/globex", token: acmeAdmin), .forbidden, "forbidden")
            expectProblem(try await client.call(.get, "/v1/audit?tenant=globex", token: acmeAdmin), .forbidden, "forbidden")
            #expect(try await client.call(.get, "/v1/tenants/acme", token: acmeAdmin).status == .ok)
            #expect(try await client.call(.get, "/v1/tenants/acme/keys", token: acmeAdmin).status == .ok)
            // Keycloak's realm-wide admin without a tenant claim is no platform admin.
            var realmAdmin = tenantAdmin
            realmAdmin.tenant = nil
            expectProblem(try await client.call(.get, "/v1/tenants", token: try await idp.token(realmAdmin)), .forbidden, "forbidden")
            expectProblem(try await client.call(.get, "/v1/audit?tenant=acme", token: try await idp.token(realmAdmin)), .forbidden, "forbidden")
            // The configured platform role is.
            var platform = realmAdmin
            platform.realm_access = ["roles": ["keel-platform-admin"]]
            let platformToken = try await idp.token(platform)
            #expect(try await client.call(.get, "/v1/tenants", token: platformToken).status == .ok)
            #expect(try await client.call(.get, "/v1/audit?tenant=globex", token: platformToken).status == .ok)
            // A tenant claim that is not a string is a 401, never "no tenant".
            expectProblem(try await client.call(.get, "/v1/audit", token: try await idp.token(NumericTenantClaims())), .unauthorized, "unauthorized")
        }
        await harness.remove()
    }

    @Test("JWT callers of an unknown or suspended tenant are refused, like API keys")
    func suspendedAndUnknownTenants() async throws {
        let harness = try await Harness()
        let idp = try await IdentityProvider(directory: harness.directory.path)
        let verifier = JWTVerifier(configuration: idp.configuration, logger: quietLogger())
        try await verifier.load()
        try await harness.withRouter(jwt: verifier) { client in
            try await client.createTenant("acme")
            let token = try await idp.token()
            #expect(try await client.call(.get, "/v1/audit", token: token).status == .ok)
            var unknown = TestClaims()
            unknown.tenant = "initech"
            expectProblem(try await client.call(.get, "/v1/audit", token: try await idp.token(unknown)), .forbidden, "forbidden")
            try await harness.suspend(tenant: "acme")
            expectProblem(try await client.call(.get, "/v1/audit", token: token), .forbidden, "forbidden")
            expectProblem(try await client.post(event: structuredEvent(id: "s"), token: token), .forbidden, "forbidden")
        }
        await harness.remove()
    }
}
