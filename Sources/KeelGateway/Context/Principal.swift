import Foundation
import KeelCore

/// Who is calling: the authenticated identity behind a request, and what it may do.
///
/// Two scopes: a principal with a `tenant` is confined to it (its `admin` role makes it a
/// *tenant admin*: its own keys and data, never other tenants nor tenant creation); a principal
/// without one is platform-level (the bootstrap key, keys of the system tenant, a JWT with the
/// configured platform-admin role) and must name the tenant it acts on.
public struct Principal: Sendable, Hashable {
    /// How the caller proved who it is.
    public enum Credential: Sendable, Hashable {
        case apiKey(keyId: String)
        case adminBootstrap
        case jwt(issuer: String, subject: String)
        /// The per-start token `keel serve` leaves in its embedded directory for the CLI beside
        /// it: platform-level, role `operator` only.
        case localOperator
    }

    public var credential: Credential
    /// The tenant the caller belongs to; `nil` for system-wide admins.
    public var tenant: String?
    public var roles: Set<Role>
    /// Event types (exact or `prefix.*`) the caller may ingest; `nil` = any.
    public var allowedTypes: [String]?
    /// When the presented credential stops being valid by itself (a JWT's `exp`, a key's expiry,
    /// the end of a rotated-out secret's grace); `nil` = not by time. Long-lived requests (live
    /// streams) end then.
    public var expiresAt: Date?

    public init(credential: Credential, tenant: String?, roles: Set<Role>, allowedTypes: [String]? = nil, expiresAt: Date? = nil) {
        self.credential = credential
        self.tenant = tenant
        self.roles = roles
        self.allowedTypes = allowedTypes
        self.expiresAt = expiresAt
    }

    public var permissions: Set<Permission> { Role.permissions(of: roles) }

    public func has(_ permission: Permission) -> Bool { roles.contains { $0.grants(permission) } }

    public var isAdmin: Bool { roles.contains(.admin) }

    /// Refuses (403) a tenant-confined caller for work that spans every tenant's data: tenants,
    /// projection status, replays, dead letters. (The route's permission check comes first: with
    /// it, a caller without a tenant and with `admin` is a platform admin; a tenant admin is not.)
    public func requirePlatformScope(_ action: String) throws(Problem) {
        if let tenant {
            throw Problem.forbidden(
                "\(action) acts on every tenant's data: it needs a platform-level credential (the bootstrap key, a key of the system tenant, a platform-admin JWT); this one belongs to tenant '\(tenant)'"
            )
        }
    }

    /// A stable name for logs, audit records and rate-limit buckets.
    public var subject: String {
        switch credential {
        case .apiKey(let keyId): "key:\(keyId)"
        case .adminBootstrap: "admin:bootstrap"
        case .jwt(let issuer, let subject): "jwt:\(issuer)#\(subject)"
        case .localOperator: "local:operator"
        }
    }

    /// May this caller ingest events of `type`?
    public func allows(type: String) -> Bool {
        guard let allowedTypes else { return true }
        return allowedTypes.contains { EventTypePattern.matches($0, type: type) }
    }

    /// The tenant a request acts on: the caller's own, or — for a system-wide admin — the one it
    /// names. Naming another tenant than one's own is refused, whatever the roles.
    public func actingTenant(requested: String?) throws(Problem) -> String {
        if let tenant {
            if let requested, requested != tenant {
                throw Problem.forbidden("this credential belongs to tenant '\(tenant)' and cannot act on tenant '\(requested)'")
            }
            return tenant
        }
        guard let requested, !requested.isEmpty else {
            throw Problem.badRequest(
                kind: .tenantRequired,
                "a system-wide admin must name the tenant it acts on (X-Keel-Tenant header or ?tenant=)")
        }
        return requested
    }
}
