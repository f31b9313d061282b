import Foundation
import HTTPTypes
import KeelCore
import Logging

/// Turns a request's credential into a `Principal`, or a 401/403 problem saying why not.
///
/// Credentials, in order: `Authorization: Bearer <token>`, then `X-API-Key: <token>`. A token is
/// an API key (`keel_<id>_<secret>`), the bootstrap admin key (`KEEL_ADMIN_KEY`), or — when a
/// JWKS is configured — a JWT. Keys are looked up in the access directory, so a revocation read
/// from the log takes effect on the next request. Thread-safe; holds no per-request state.
public struct Authenticator: Sendable {
    /// The system tenant: keys created under it act system-wide (tenant `nil` in the principal).
    public static let systemTenant = "keel"

    let access: AccessService
    let adminKeyHash: SecretHash?
    let jwt: JWTVerifier?
    let localOperatorHash: SecretHash?
    let now: @Sendable () -> Date

    /// `localOperatorToken`: the per-start token of `keel serve` (`LocalOperatorToken`), accepted
    /// as a platform-level `operator` and nothing more; `nil` accepts none.
    public init(
        access: AccessService, adminKey: String?, jwt: JWTVerifier?, localOperatorToken: String? = nil,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.access = access
        self.adminKeyHash = adminKey.map { SecretHasher.hash(secret: $0) }
        self.jwt = jwt
        self.localOperatorHash = localOperatorToken.map { SecretHasher.hash(secret: $0) }
        self.now = now
    }

    public func authenticate(_ headers: HTTPFields) async throws(Problem) -> Principal {
        guard let token = Self.credential(in: headers) else {
            throw Problem.unauthorized("no credential: send Authorization: Bearer <API key or JWT>, or X-API-Key: <API key>")
        }
        if token.hasPrefix(LocalOperatorToken.prefix), let local = localOperator(token) { return local }
        let apiKey = ApiKeyToken(parsing: token)
        let bootstrap = {
            adminKeyHash.map { SecretHasher.verify(secret: token, against: $0) } == true
                ? Principal(credential: .adminBootstrap, tenant: nil, roles: [.admin]) : nil
        }
        // A known key id usually settles it without hashing the token against the bootstrap key
        // too; only if that key refuses it is the bootstrap key checked, so it still wins.
        if let apiKey, access.isLoaded, access.directory.key(apiKey.keyId) != nil {
            do {
                return try await principal(for: apiKey)
            } catch {
                if let admin = bootstrap() { return admin }
                throw error
            }
        }
        if let admin = bootstrap() { return admin }
        if let apiKey {
            return try await principal(for: apiKey)
        }
        if token.hasPrefix("keel_") {
            throw Problem.unauthorized("malformed API key: keys look like keel_<12 characters>_<40 characters>")
        }
        if token.split(separator: ".", omittingEmptySubsequences: false).count == 3 {
            guard let jwt else { throw Problem.unauthorized("JWT authentication is not configured on this gateway") }
            let principal = try await jwt.principal(for: token, now: now())
            if let tenant = principal.tenant { try await requireActiveTenant(tenant) }
            return principal
        }
        throw Problem.unauthorized("unrecognised credential: neither an API key nor a JWT")
    }

    private func principal(for token: ApiKeyToken) async throws(Problem) -> Principal {
        // Right after start the directory may still be reading the key topics.
        if !access.isLoaded, await !access.waitUntilLoaded(timeout: .seconds(10)) {
            throw Problem(.notReady, "the gateway is still loading API keys; retry shortly")
        }
        let directory = access.directory
        let instant = now()
        guard let key = directory.key(token.keyId) else { throw Problem.unauthorized("unknown API key or wrong secret") }
        let verify = { (hash: SecretHash) in SecretHasher.verify(secret: token.secret, against: hash) }
        // Why a key is refused is only told to whoever holds one of its secrets.
        let current = verify(key.hash)
        guard current || key.previousHash.map(verify) == true else {
            throw Problem.unauthorized("unknown API key or wrong secret")
        }
        if key.revoked { throw Problem.unauthorized("API key \(key.keyId) was revoked") }
        guard key.isUsable(at: instant) else { throw Problem.unauthorized("API key \(key.keyId) has expired") }
        guard key.accepts(secretHash: verify, at: instant) else {
            throw Problem.unauthorized("this secret of API key \(key.keyId) was rotated out (its grace period ended)")
        }
        guard let tenant = directory.tenant(key.tenantId) else {
            throw Problem.unauthorized("API key \(key.keyId) belongs to an unknown tenant")
        }
        if tenant.suspended { throw Problem.forbidden("tenant '\(tenant.id)' is suspended") }
        // A rotated-out secret stops working when its grace ends, even for a stream opened before.
        let graceEnd = current ? nil : key.previousValidUntil
        let expiresAt = [key.expiresAt, graceEnd].compactMap { $0 }.min()
        return Principal(
            credential: .apiKey(keyId: key.keyId), tenant: key.tenantId == Self.systemTenant ? nil : key.tenantId,
            roles: Set(key.roles), allowedTypes: key.allowedTypes, expiresAt: expiresAt)
    }

    /// The local operator, when `token` is this start's local operator token (checked against
    /// its hash in constant time, like the bootstrap key).
    private func localOperator(_ token: String) -> Principal? {
        guard let localOperatorHash, SecretHasher.verify(secret: token, against: localOperatorHash) else { return nil }
        // The machine's operator (whoever can read DIR/server.json) runs the CLI's writes: operating
        // projections and workflows, and starting runs (`keel runs start`); never key management.
        return Principal(credential: .localOperator, tenant: nil, roles: [.operator, .producer])
    }

    /// Every credential's tenant must exist and not be suspended (API keys check it below).
    private func requireActiveTenant(_ id: String) async throws(Problem) {
        if !access.isLoaded, await !access.waitUntilLoaded(timeout: .seconds(10)) {
            throw Problem(.notReady, "the gateway is still loading tenants; retry shortly")
        }
        guard let tenant = access.directory.tenant(id) else { throw Problem.forbidden("tenant '\(id)' does not exist") }
        if tenant.suspended { throw Problem.forbidden("tenant '\(tenant.id)' is suspended") }
    }

    static let apiKeyHeader = HTTPField.Name("X-API-Key")!

    /// The presented token: `Authorization: Bearer …` or `X-API-Key: …`. On every request, so
    /// no Foundation trimming: tokens are ASCII and only spaces and tabs are stripped.
    static func credential(in headers: HTTPFields) -> String? {
        if let authorization = headers[.authorization] {
            let bytes = authorization.utf8
            guard bytes.count > 7, let space = bytes.firstIndex(of: UInt8(ascii: " ")),
                authorization[..<space].lowercased() == "bearer"
            else { return nil }
            return trimmed(authorization[space...])
        }
        if let key = headers[apiKeyHeader] { return trimmed(key[...]) }
        return nil
    }

    private static func trimmed(_ text: Substring) -> String? {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = text.firstIndex(where: { !isBlank($0) }), let last = text.lastIndex(where: { !isBlank($0) }) else { return nil }
        return String(text[first...last])
    }
}
