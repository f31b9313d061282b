import Foundation

/// The in-memory read model of tenants and API keys: what the gateway consults on every request.
///
/// Built by applying the records of `keel.tenants` and `keel.apikeys` in log order (per key; the
/// two topics are independent, so their interleaving does not matter). Guarantees: it rebuilds
/// correctly from compacted topics, where only the latest record of a key may survive, and it
/// fails closed — a revocation or suspension it cannot fully decode still takes effect, and a record it does
/// not understand never grants anything.
public struct AccessDirectory: Sendable {
    private var tenantsByID: [String: TenantState] = [:]
    private var keysByID: [String: ApiKeyState] = [:]

    public init() {}

    /// Folds one event. Returns whether it was a tenant or API key event this version understands;
    /// other events (and records of a `dataversion` other than 1) are ignored.
    @discardableResult
    public mutating func apply(_ event: CloudEvent) -> Bool {
        let knownVersion = event.dataversion.map { $0 == TenantEvent.dataVersion } ?? true
        if knownVersion, let tenantEvent = TenantEvent(event) {
            let id = tenantEvent.tenantId
            tenantsByID[id] = TenantDecider.evolve(tenantsByID[id], tenantEvent)
            return true
        }
        if knownVersion, let keyEvent = ApiKeyEvent(event) {
            let id = keyEvent.keyId
            keysByID[id] = ApiKeyDecider.evolve(keysByID[id], keyEvent)
            return true
        }
        // Fail closed: a revocation or suspension whose data this version cannot read (a newer
        // dataversion, a member of an unexpected kind) still takes effect on what it names.
        if event.type == ApiKeyEvent.revokedType, let keyId = event.jsonData?["keyId"]?.stringValue {
            keysByID[keyId]?.revoked = true
            return true
        }
        if event.type == TenantEvent.suspendedType, let tenantId = event.jsonData?["tenantId"]?.stringValue {
            tenantsByID[tenantId]?.suspended = true
            return true
        }
        return false
    }

    /// Folds events in order.
    public mutating func apply(contentsOf events: some Sequence<CloudEvent>) {
        for event in events { apply(event) }
    }

    public func tenant(_ id: String) -> TenantState? { tenantsByID[id] }

    /// Every known tenant, sorted by id.
    public var tenants: [TenantState] { tenantsByID.values.sorted { $0.id < $1.id } }

    public func key(_ id: String) -> ApiKeyState? { keysByID[id] }

    /// Every known key (revoked ones included), sorted by key id.
    public var keys: [ApiKeyState] { keysByID.values.sorted { $0.keyId < $1.keyId } }

    /// The tenant's keys (revoked ones included), sorted by key id.
    public func keys(ofTenant tenantId: String) -> [ApiKeyState] {
        keysByID.values.filter { $0.tenantId == tenantId }.sorted { $0.keyId < $1.keyId }
    }

    /// Whether some key with the `admin` role is usable at `now` (not revoked, not expired): when
    /// there is none, the platform needs bootstrapping.
    public func hasUsableAdminKey(at now: Date) -> Bool {
        keysByID.values.contains { $0.roles.contains(.admin) && $0.isUsable(at: now) }
    }
}
