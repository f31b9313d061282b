import Foundation
import KeelCore
import Synchronization

/// How many live streams may be open at once on one gateway instance.
public struct StreamLimits: Sendable, Hashable {
    /// Per credential (API key, JWT subject, the bootstrap key).
    public var perCredential = 100
    /// Per tenant, all its credentials together.
    public var perTenant = 1_000
    /// On the whole instance.
    public var perInstance = 20_000

    public init() {}
}

/// Counts open streams against `StreamLimits`. Not thread-safe: lives inside the hub's lock.
struct StreamCounts {
    var byCredential: [String: Int] = [:]
    var byTenant: [String: Int] = [:]
    var total = 0

    /// Takes a slot, or says which limit is reached.
    mutating func admit(credential: String, tenant: String, limits: StreamLimits) -> String? {
        if total >= limits.perInstance { return "this gateway instance already serves \(limits.perInstance) live streams" }
        if byTenant[tenant, default: 0] >= limits.perTenant {
            return "tenant '\(tenant)' already has \(limits.perTenant) live streams open on this instance"
        }
        if byCredential[credential, default: 0] >= limits.perCredential {
            return "this credential already has \(limits.perCredential) live streams open on this instance"
        }
        total += 1
        byTenant[tenant, default: 0] += 1
        byCredential[credential, default: 0] += 1
        return nil
    }

    mutating func release(credential: String, tenant: String) {
        total -= 1
        byTenant[tenant, default: 1] -= 1
        if byTenant[tenant] == 0 { byTenant[tenant] = nil }
        byCredential[credential, default: 1] -= 1
        if byCredential[credential] == 0 { byCredential[credential] = nil }
    }
}

/// Whether the credential a stream was opened with still holds: a stream must end within a
/// second of its key's revocation or expiry, its tenant's suspension or its token's expiry.
enum StreamCredentialCheck {
    /// Why `principal` may no longer stream, or nil.
    static func refusal(of principal: Principal, directory: AccessDirectory, now: Date) -> String? {
        if let expiresAt = principal.expiresAt, now >= expiresAt { return "the credential expired" }
        if case .apiKey(let keyId) = principal.credential {
            guard let key = directory.key(keyId) else { return "API key \(keyId) no longer exists" }
            if key.revoked { return "API key \(keyId) was revoked" }
            if !key.isUsable(at: now) { return "API key \(keyId) has expired" }
        }
        if let tenantID = principal.tenant {
            guard let tenant = directory.tenant(tenantID) else { return "tenant '\(tenantID)' no longer exists" }
            if tenant.suspended { return "tenant '\(tenantID)' is suspended" }
        }
        return nil
    }
}

/// One admitted live stream's place in the limits; given back exactly once, on `release()` or
/// at the latest when the slot is dropped.
final class StreamSlot: Sendable {
    let hub: LiveHub
    let id: UInt64
    private let released = Atomic(false)

    init(hub: LiveHub, id: UInt64) {
        self.hub = hub
        self.id = id
    }

    func release() {
        guard !released.exchange(true, ordering: .acquiringAndReleasing) else { return }
        hub.release(id)
    }

    deinit { release() }
}
