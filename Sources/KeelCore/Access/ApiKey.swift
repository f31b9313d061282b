import Foundation

/// A salted hash of an API key's secret, as stored in `keel.apikey.*` events.
///
/// A value always has the schema's shape: `algorithm` is `sha256`, `salt` is at least 32
/// lowercase hex characters, `digest` exactly 64. Computing and comparing digests happens outside
/// KeelCore (with swift-crypto, in constant time); the deciders only carry hashes.
public struct SecretHash: Sendable, Hashable {
    public static let sha256 = "sha256"

    public let algorithm: String
    public let salt: String
    public let digest: String

    /// `nil` unless every part has the schema's shape.
    public init?(algorithm: String = SecretHash.sha256, salt: String, digest: String) {
        guard algorithm == Self.sha256, salt.utf8.count >= 32, Self.isLowercaseHex(salt), digest.utf8.count == 64,
            Self.isLowercaseHex(digest)
        else { return nil }
        self.algorithm = algorithm
        self.salt = salt
        self.digest = digest
    }

    /// Stands in for the hash of a key rebuilt from a compacted `revoked` record alone (which
    /// carries no hash): all zeros, which no secret hashes to in practice, and such a key is
    /// revoked anyway, so `ApiKeyState.accepts` never consults it.
    public static let unknown = SecretHash(
        salt: String(repeating: "0", count: 32), digest: String(repeating: "0", count: 64))!

    /// `{"algorithm", "salt", "digest"}`.
    public var json: JSONValue {
        ["algorithm": .string(algorithm), "salt": .string(salt), "digest": .string(digest)]
    }

    /// Reads the JSON form; `nil` when a member is missing, of the wrong kind, or malformed.
    public init?(json: JSONValue) {
        guard let algorithm = json["algorithm"]?.stringValue, let salt = json["salt"]?.stringValue,
            let digest = json["digest"]?.stringValue
        else { return nil }
        self.init(algorithm: algorithm, salt: salt, digest: digest)
    }

    private static func isLowercaseHex(_ text: String) -> Bool {
        text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }
}

/// The API key aggregate's state, as rebuilt from `keel.apikeys`. A `nil` state means the key
/// does not exist (or is unknown).
///
/// A key rebuilt from a compacted `revoked` record alone has an empty `prefix` and
/// `SecretHash.unknown` as `hash`; it is revoked, so it never accepts a secret.
public struct ApiKeyState: Sendable, Hashable {
    public var keyId: String
    public var tenantId: String
    public var name: String
    /// Unique, in `Role.allCases` order.
    public var roles: [Role]
    /// `keel_` and the first characters of the current secret.
    public var prefix: String
    public var hash: SecretHash
    /// The secret before the last rotation, accepted until `previousValidUntil`.
    public var previousHash: SecretHash?
    public var previousValidUntil: Date?
    public var expiresAt: Date?
    /// Event types the key may ingest (`nil`: any). Entries are exact types or `prefix.*`.
    public var allowedTypes: [String]?
    public var revoked: Bool
    public var revokedReason: String?

    public init(
        keyId: String, tenantId: String, name: String, roles: [Role], prefix: String, hash: SecretHash,
        previousHash: SecretHash? = nil, previousValidUntil: Date? = nil, expiresAt: Date? = nil,
        allowedTypes: [String]? = nil, revoked: Bool = false, revokedReason: String? = nil
    ) {
        self.keyId = keyId
        self.tenantId = tenantId
        self.name = name
        self.roles = roles
        self.prefix = prefix
        self.hash = hash
        self.previousHash = previousHash
        self.previousValidUntil = previousValidUntil
        self.expiresAt = expiresAt
        self.allowedTypes = allowedTypes
        self.revoked = revoked
        self.revokedReason = revokedReason
    }

    /// Not revoked and not expired (a key expires *at* `expiresAt`).
    public func isUsable(at now: Date) -> Bool {
        guard !revoked else { return false }
        if let expiresAt, now >= expiresAt { return false }
        return true
    }

    /// Whether a presented secret is accepted at `now`: the key must be usable, and `matcher`
    /// (which hashes the presented secret with the given hash's salt and compares digests in
    /// constant time) must match the current hash — or the previous hash while
    /// `now < previousValidUntil`. Usability is checked here too, so this one call is the whole
    /// authentication decision and a revoked key can never slip through.
    public func accepts(secretHash matcher: (SecretHash) -> Bool, at now: Date) -> Bool {
        guard isUsable(at: now) else { return false }
        if matcher(hash) { return true }
        if let previousHash, let previousValidUntil, now < previousValidUntil {
            return matcher(previousHash)
        }
        return false
    }

    /// Whether the key may ingest events of `type`: always with no allow-list; otherwise when an
    /// entry equals `type`, or an entry `p.*` has `type` starting with `p.` (so `com.acme.*`
    /// allows `com.acme.order.placed` but neither `com.acme` nor `com.acmex.order`).
    public func allows(type: String) -> Bool {
        guard let allowedTypes else { return true }
        return allowedTypes.contains { EventTypePattern.matches($0, type: type) }
    }

    /// The permissions of all roles.
    public var permissions: Set<Permission> { Role.permissions(of: roles) }
}

/// What an administrator asks of the API key aggregate. Fields arrive unvalidated;
/// `ApiKeyDecider.decide` validates them.
public enum ApiKeyCommand: Sendable, Hashable {
    case create(
        keyId: String, tenantId: String, name: String, roles: [Role], prefix: String, hash: SecretHash,
        expiresAt: Date?, allowedTypes: [String]?)
    /// `previousValidUntil` `nil`: the old secret stops working at once.
    case rotate(keyId: String, prefix: String, hash: SecretHash, previousValidUntil: Date?)
    case revoke(keyId: String, reason: String?)
}

/// A fact on `keel.apikeys`: exactly the three registered `keel.apikey.*` types, version 1.
///
/// The topic is compacted by key id, so only a key's latest record is guaranteed to survive:
/// every event the decider emits carries the key's full state (the optional members of
/// `Rotated` and `Revoked` are optional only for records written before they existed).
public enum ApiKeyEvent: Sendable, Hashable {
    case created(Created)
    case rotated(Rotated)
    case revoked(Revoked)

    /// `keel.apikey.created`.
    public struct Created: Sendable, Hashable {
        public var keyId: String
        public var tenantId: String
        public var name: String
        public var roles: [Role]
        public var prefix: String
        public var hash: SecretHash
        public var expiresAt: Date?
        public var allowedTypes: [String]?

        public init(
            keyId: String, tenantId: String, name: String, roles: [Role], prefix: String, hash: SecretHash,
            expiresAt: Date? = nil, allowedTypes: [String]? = nil
        ) {
            self.keyId = keyId
            self.tenantId = tenantId
            self.name = name
            self.roles = roles
            self.prefix = prefix
            self.hash = hash
            self.expiresAt = expiresAt
            self.allowedTypes = allowedTypes
        }
    }

    /// `keel.apikey.rotated`. When `tenantId`, `name` and `roles` are all present the record
    /// carries the full state (and a missing `expiresAt`/`allowedTypes` means none); otherwise it
    /// is an old-style delta that only applies on top of a known state.
    public struct Rotated: Sendable, Hashable {
        public var keyId: String
        public var prefix: String
        public var hash: SecretHash
        public var previousHash: SecretHash?
        public var previousValidUntil: Date?
        public var tenantId: String?
        public var name: String?
        public var roles: [Role]?
        public var expiresAt: Date?
        public var allowedTypes: [String]?

        public init(
            keyId: String, prefix: String, hash: SecretHash, previousHash: SecretHash? = nil,
            previousValidUntil: Date? = nil, tenantId: String? = nil, name: String? = nil, roles: [Role]? = nil,
            expiresAt: Date? = nil, allowedTypes: [String]? = nil
        ) {
            self.keyId = keyId
            self.prefix = prefix
            self.hash = hash
            self.previousHash = previousHash
            self.previousValidUntil = previousValidUntil
            self.tenantId = tenantId
            self.name = name
            self.roles = roles
            self.expiresAt = expiresAt
            self.allowedTypes = allowedTypes
        }

        /// Whether the record can rebuild the key without any earlier record.
        public var carriesFullState: Bool { tenantId != nil && name != nil && roles != nil }
    }

    /// `keel.apikey.revoked`. `tenantId`, `name` and `roles` let a compacted topic still list the
    /// key as revoked.
    public struct Revoked: Sendable, Hashable {
        public var keyId: String
        public var reason: String?
        public var tenantId: String?
        public var name: String?
        public var roles: [Role]?

        public init(keyId: String, reason: String? = nil, tenantId: String? = nil, name: String? = nil, roles: [Role]? = nil) {
            self.keyId = keyId
            self.reason = reason
            self.tenantId = tenantId
            self.name = name
            self.roles = roles
        }
    }
}

/// The API key aggregate as a decider. Pure: the clock is the `now` argument.
///
/// Guarantees: every emitted event validates against its catalog schema, carries the key's full
/// state, and has dates at millisecond precision (what the wire keeps), so folding the events
/// directly and folding them after a trip through JSON give the same state. `evolve` never
/// un-revokes a key, whatever the log holds.
public enum ApiKeyDecider {
    public static let nameLengthRange = 1...200
    public static let prefixLengthRange = 4...12
    public static let reasonLengthRange = 1...1000
    /// The longest an old secret may stay valid after a rotation.
    public static let maximumGracePeriod: TimeInterval = 7 * 24 * 3600
    public static let maximumAllowedTypes = 100
    public static let maximumAllowedTypeLength = 200

    public static func decide(_ command: ApiKeyCommand, state: ApiKeyState?, tenant: TenantState?, now: Date)
        throws(AccessError) -> [ApiKeyEvent]
    {
        switch command {
        case .create(let keyId, let tenantId, let name, let roles, let prefix, let hash, let expiresAt, let allowedTypes):
            guard ApiKeyToken.isValidKeyID(keyId) else {
                throw AccessError(.invalid, field: "keyId", "must be 12 characters of a-z and 0-9, got '\(keyId)'")
            }
            guard CloudEvent.isValidTenantID(tenantId) else {
                throw AccessError(.invalid, field: "tenantId", "must match ^[a-z0-9][a-z0-9-]{0,62}$, got '\(tenantId)'")
            }
            try AccessRules.requireLength(name, in: nameLengthRange, field: "name")
            guard !roles.isEmpty else { throw AccessError(.invalid, field: "roles", "must list at least one role") }
            try AccessRules.requireLength(prefix, in: prefixLengthRange, field: "prefix")
            if let expiresAt, expiresAt <= now {
                throw AccessError(
                    .invalid, field: "expiresAt", "must be in the future, got \(RFC3339.format(expiresAt)) (now \(RFC3339.format(now)))")
            }
            if let allowedTypes { try validateAllowedTypes(allowedTypes) }
            guard let tenant, tenant.id == tenantId else {
                throw AccessError(.notFound, field: "tenantId", "tenant '\(tenantId)' does not exist")
            }
            if tenant.suspended {
                throw AccessError(.conflict, field: "tenantId", "tenant '\(tenantId)' is suspended")
            }
            if state != nil {
                throw AccessError(.conflict, field: "keyId", "key '\(keyId)' already exists")
            }
            return [
                .created(
                    .init(
                        keyId: keyId, tenantId: tenantId, name: name, roles: normalized(roles), prefix: prefix, hash: hash,
                        expiresAt: expiresAt.map(millisecondPrecision), allowedTypes: allowedTypes))
            ]

        case .rotate(let keyId, let prefix, let hash, let previousValidUntil):
            try AccessRules.requireLength(prefix, in: prefixLengthRange, field: "prefix")
            guard let state else { throw AccessError(.notFound, field: "keyId", "key '\(keyId)' does not exist") }
            guard !state.revoked else { throw AccessError(.gone, field: "keyId", "key '\(keyId)' is revoked") }
            guard hash != state.hash else {
                throw AccessError(.invalid, field: "hash", "must differ from the key's current hash")
            }
            if let previousValidUntil {
                guard previousValidUntil >= now, previousValidUntil <= now.addingTimeInterval(maximumGracePeriod) else {
                    throw AccessError(
                        .invalid, field: "previousValidUntil",
                        "must be between now and 7 days from now, got \(RFC3339.format(previousValidUntil)) (now \(RFC3339.format(now)))")
                }
            }
            // Only the current secret gets a grace period: a secret replaced by an earlier
            // rotation stops now, so at most two secrets are ever valid.
            return [
                .rotated(
                    .init(
                        keyId: keyId, prefix: prefix, hash: hash, previousHash: previousValidUntil == nil ? nil : state.hash,
                        previousValidUntil: previousValidUntil.map(millisecondPrecision), tenantId: state.tenantId,
                        name: state.name, roles: state.roles, expiresAt: state.expiresAt, allowedTypes: state.allowedTypes))
            ]

        case .revoke(let keyId, let reason):
            if let reason { try AccessRules.requireLength(reason, in: reasonLengthRange, field: "reason") }
            guard let state else { throw AccessError(.notFound, field: "keyId", "key '\(keyId)' does not exist") }
            // Idempotent: revoking twice is what a retrying client does; the first reason stands.
            if state.revoked { return [] }
            return [.revoked(.init(keyId: keyId, reason: reason, tenantId: state.tenantId, name: state.name, roles: state.roles))]
        }
    }

    public static func evolve(_ state: ApiKeyState?, _ event: ApiKeyEvent) -> ApiKeyState? {
        var next: ApiKeyState?
        switch event {
        case .created(let created):
            next = ApiKeyState(
                keyId: created.keyId, tenantId: created.tenantId, name: created.name, roles: created.roles,
                prefix: created.prefix, hash: created.hash, expiresAt: created.expiresAt, allowedTypes: created.allowedTypes)
        case .rotated(let rotated):
            let previousHash = rotated.previousValidUntil == nil ? nil : (rotated.previousHash ?? state?.hash)
            if rotated.carriesFullState {
                next = ApiKeyState(
                    keyId: rotated.keyId, tenantId: rotated.tenantId!, name: rotated.name!, roles: rotated.roles!,
                    prefix: rotated.prefix, hash: rotated.hash, previousHash: previousHash,
                    previousValidUntil: previousHash == nil ? nil : rotated.previousValidUntil, expiresAt: rotated.expiresAt,
                    allowedTypes: rotated.allowedTypes)
            } else if var updated = state {
                updated.prefix = rotated.prefix
                updated.hash = rotated.hash
                updated.previousHash = previousHash
                updated.previousValidUntil = previousHash == nil ? nil : rotated.previousValidUntil
                next = updated
            } else {
                return nil
            }
        case .revoked(let revoked):
            if var updated = state {
                updated.revoked = true
                updated.revokedReason = updated.revokedReason ?? revoked.reason
                return updated
            }
            guard let tenantId = revoked.tenantId, let name = revoked.name, let roles = revoked.roles else { return nil }
            return ApiKeyState(
                keyId: revoked.keyId, tenantId: tenantId, name: name, roles: roles, prefix: "", hash: .unknown, revoked: true,
                revokedReason: revoked.reason)
        }
        // Revocation is permanent: a later created/rotated record (which the decider never
        // emits) must not bring a revoked key back.
        if let state, state.revoked {
            next?.revoked = true
            next?.revokedReason = state.revokedReason
        }
        return next
    }

    /// Unique roles in `Role.allCases` order, so equal role sets give identical events.
    static func normalized(_ roles: [Role]) -> [Role] {
        Role.allCases.filter(roles.contains)
    }

    static func millisecondPrecision(_ date: Date) -> Date {
        Date(timeIntervalSince1970: Double(RFC3339.milliseconds(of: date)) / 1000)
    }

    /// Entries are event types (`com.acme.order.placed`) or prefix patterns (`com.acme.*`); a
    /// bare `*` is refused because omitting the list already means "any type".
    static func validateAllowedTypes(_ entries: [String]) throws(AccessError) {
        guard !entries.isEmpty else {
            throw AccessError(.invalid, field: "allowedTypes", "must list at least one type; omit it to allow any type")
        }
        guard entries.count <= maximumAllowedTypes else {
            throw AccessError(.invalid, field: "allowedTypes", "must list at most \(maximumAllowedTypes) entries, got \(entries.count)")
        }
        for (index, entry) in entries.enumerated() {
            let field = "allowedTypes[\(index)]"
            guard (1...maximumAllowedTypeLength).contains(entry.unicodeScalars.count) else {
                throw AccessError(.invalid, field: field, "must be 1-\(maximumAllowedTypeLength) characters")
            }
            let base = entry.hasSuffix(".*") ? String(entry.dropLast(2)) : entry
            guard !base.isEmpty, !base.hasSuffix("."),
                base.unicodeScalars.allSatisfy({
                    $0 != "*" && !$0.properties.isWhitespace && $0.properties.generalCategory != .control
                })
            else {
                throw AccessError(
                    .invalid, field: field,
                    "must be an event type or a prefix pattern ending in .* (like com.acme.*), without spaces or other *, got '\(entry)'")
            }
        }
    }
}
