import AsyncHTTPClient
import Foundation
import JWTKit
import KeelCore
import Logging
import NIOCore
import Synchronization

/// How JWTs are checked: where the keys come from and which claims mean what.
public struct JWTConfiguration: Sendable {
    public enum KeySource: Sendable, Hashable {
        case url(String)
        case file(String)
    }

    public var keys: KeySource
    /// Required `iss` (exact match).
    public var issuer: String
    /// Required `aud` (one of the token's audiences).
    public var audience: String
    /// The claim that names the tenant (a top-level string claim). A token without it is refused
    /// unless it carries `platformAdminRole`; a claim that is not a string is a 401.
    public var tenantClaim: String = "tenant"
    /// The role (as the token spells it, in the roles claim) that makes a token a *platform*
    /// admin: tenants and every tenant's data. No default, so Keycloak's realm-wide `admin` is
    /// never enough: `admin` in a token is a tenant admin, confined to the token's tenant.
    public var platformAdminRole: String?
    /// A dotted path to an array of role names; when `nil`, Keycloak's `realm_access.roles` and
    /// `resource_access.<client>.roles` are used.
    public var rolesClaim: String?
    /// The client whose `resource_access` roles count (default: the audience).
    public var client: String?
    /// Allowed clock difference for `exp` and `nbf`.
    public var leeway: Duration = .seconds(30)
    /// How often keys are re-fetched even when every `kid` is known.
    public var refreshInterval: Duration = .seconds(600)
    /// Minimum time between fetches forced by an unknown `kid` (bounds what junk tokens cost).
    public var unknownKidCooldown: Duration = .seconds(2)

    public init(keys: KeySource, issuer: String, audience: String) {
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
    }
}

/// Verifies `Authorization: Bearer <jwt>` tokens against a JWKS (RS256 and ES256 only).
///
/// The header is checked before any key is touched: `alg` must be RS256 or ES256 (so `none` and
/// HMAC tokens — including an HS256 token "signed" with the RSA public key — are refused), and
/// `kid` must name a key of the matching type. An unknown `kid` makes the verifier re-read the
/// JWKS (at most once per cooldown) before refusing. Thread-safe: the key set is swapped whole.
public final class JWTVerifier: Sendable {
    struct KeySet: Sendable {
        let collection: JWTKeyCollection
        /// kid → JWK `kty` (`RSA`, `EC`).
        let types: [String: String]
        let loadedAt: ContinuousClock.Instant
    }

    let configuration: JWTConfiguration
    let logger: Logger
    private let keySet = Mutex<KeySet?>(nil)
    private let lastForcedRefresh = Mutex<ContinuousClock.Instant?>(nil)

    public init(configuration: JWTConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Loads the keys now (start-up fails early on an unreadable JWKS).
    public func load() async throws {
        try await refresh()
    }

    func principal(for token: String, now: Date) async throws(Problem) -> Principal {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64URL.decode(parts[0]), let payloadBytes = Base64URL.decode(parts[1]),
            let header = try? JSONValue.parse(headerBytes), let claims = try? JSONValue.parse(payloadBytes)
        else { throw Problem.unauthorized("malformed JWT") }
        guard let alg = header["alg"]?.stringValue, alg == "RS256" || alg == "ES256" else {
            throw Problem.unauthorized("JWT alg '\(header["alg"]?.stringValue ?? "?")' is not accepted (RS256 or ES256 only)")
        }
        guard let kid = header["kid"]?.stringValue else { throw Problem.unauthorized("JWT has no kid") }
        let keys = try await keys(for: kid)
        guard let kty = keys.types[kid] else { throw Problem.unauthorized("JWT kid '\(kid)' is not in the JWKS") }
        guard (alg == "RS256" && kty == "RSA") || (alg == "ES256" && kty == "EC") else {
            throw Problem.unauthorized("JWT alg \(alg) does not match key '\(kid)' (\(kty))")
        }
        do {
            _ = try await keys.collection.verify(token, as: SignatureOnly.self)
        } catch {
            throw Problem.unauthorized("JWT signature is not valid")
        }
        return try principal(from: claims, now: now)
    }

    /// Checks the registered claims and maps tenant and roles.
    func principal(from claims: JSONValue, now: Date) throws(Problem) -> Principal {
        let leeway = Double(configuration.leeway.components.seconds)
        let nowSeconds = now.timeIntervalSince1970
        guard claims["iss"]?.stringValue == configuration.issuer else {
            throw Problem.unauthorized("JWT issuer '\(claims["iss"]?.stringValue ?? "")' is not trusted")
        }
        let audiences: [String] =
            claims["aud"]?.stringValue.map { [$0] } ?? claims["aud"]?.arrayValue?.compactMap(\.stringValue) ?? []
        guard audiences.contains(configuration.audience) else {
            throw Problem.unauthorized("JWT audience does not include '\(configuration.audience)'")
        }
        guard let exp = claims["exp"]?.doubleValue else { throw Problem.unauthorized("JWT has no exp") }
        guard nowSeconds < exp + leeway else { throw Problem.unauthorized("JWT has expired") }
        if let nbf = claims["nbf"]?.doubleValue, nowSeconds + leeway < nbf {
            throw Problem.unauthorized("JWT is not valid yet (nbf)")
        }
        guard let subject = claims["sub"]?.stringValue, !subject.isEmpty else { throw Problem.unauthorized("JWT has no sub") }
        var roleNames: [String] = []
        if let path = configuration.rolesClaim {
            roleNames = Self.value(at: path, in: claims)?.arrayValue?.compactMap(\.stringValue) ?? []
        } else {
            roleNames += claims["realm_access"]?["roles"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let client = configuration.client ?? configuration.audience
            roleNames += claims["resource_access"]?[client]?["roles"]?.arrayValue?.compactMap(\.stringValue) ?? []
        }
        let credential = Principal.Credential.jwt(issuer: configuration.issuer, subject: subject)
        let expiresAt = Date(timeIntervalSince1970: exp + leeway)
        if let platformRole = configuration.platformAdminRole, roleNames.contains(platformRole) {
            return Principal(credential: credential, tenant: nil, roles: [.admin], expiresAt: expiresAt)
        }
        let roles = Set(roleNames.compactMap(Role.init(rawValue:)))
        guard !roles.isEmpty else { throw Problem.forbidden("JWT grants none of the roles admin, operator, producer, reader") }
        let tenant: String
        switch claims[configuration.tenantClaim] {
        case .string(let text)? where !text.isEmpty:
            tenant = text
        case nil:
            throw Problem.forbidden(
                "JWT has no '\(configuration.tenantClaim)' claim: only a platform admin acts without a tenant, and this token is not one")
        default:
            // Never read as "no tenant": that would be the widest scope there is.
            throw Problem.unauthorized("JWT claim '\(configuration.tenantClaim)' must be a non-empty string")
        }
        return Principal(credential: credential, tenant: tenant, roles: roles, expiresAt: expiresAt)
    }

    private func keys(for kid: String) async throws(Problem) -> KeySet {
        let current = keySet.withLock { $0 }
        let clock = ContinuousClock()
        if let current, current.types[kid] != nil, current.loadedAt.duration(to: clock.now) < configuration.refreshInterval {
            return current
        }
        let mayForce = lastForcedRefresh.withLock { last -> Bool in
            if let last, last.duration(to: clock.now) < configuration.unknownKidCooldown { return false }
            last = clock.now
            return true
        }
        if mayForce || current == nil {
            do {
                try await refresh()
            } catch {
                logger.warning("JWKS refresh failed: \(error)")
                if let current { return current }
                throw Problem(.unavailable, "the JWKS could not be loaded")
            }
        }
        guard let refreshed = keySet.withLock({ $0 }) else { throw Problem(.unavailable, "the JWKS could not be loaded") }
        return refreshed
    }

    private func refresh() async throws {
        let json: String
        switch configuration.keys {
        case .file(let path):
            json = try String(contentsOfFile: path, encoding: .utf8)
        case .url(let url):
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "Accept", value: "application/json")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            guard response.status == .ok else { throw GatewayStartupError("JWKS \(url) answered \(response.status.code)") }
            json = String(buffer: try await response.body.collect(upTo: 1 << 20))
        }
        let parsed = try JSONValue.parse(json)
        var types: [String: String] = [:]
        for key in parsed["keys"]?.arrayValue ?? [] {
            if let kid = key["kid"]?.stringValue, let kty = key["kty"]?.stringValue { types[kid] = kty }
        }
        let collection = JWTKeyCollection()
        try await collection.add(jwksJSON: json)
        let set = KeySet(collection: collection, types: types, loadedAt: ContinuousClock().now)
        keySet.withLock { $0 = set }
        logger.debug("JWKS loaded: \(types.count) key(s)")
    }

    private static func value(at path: String, in json: JSONValue) -> JSONValue? {
        var current: JSONValue? = json
        for component in path.split(separator: ".") { current = current?[String(component)] }
        return current
    }
}

/// jwt-kit verifies the signature; the claims are checked by `JWTVerifier` from the raw payload,
/// so the configurable tenant and role claims need no Codable model.
struct SignatureOnly: JWTPayload {
    init(from decoder: any Decoder) throws {}
    func encode(to encoder: any Encoder) throws {}
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// Base64url without padding (RFC 7515 §2).
enum Base64URL {
    static func decode(_ text: Substring) -> [UInt8]? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).map { Array($0) }
    }
}
