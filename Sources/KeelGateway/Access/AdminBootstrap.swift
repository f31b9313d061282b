import Foundation
import KeelCore
import KeelLog
import Logging

/// The first admin credential when `KEEL_ADMIN_KEY` is not set: once the access directory is
/// loaded and holds no usable admin key, the system tenant and an admin key in it are created
/// (as events, like any other key) and the key is handed to `announce` — the only time its
/// secret exists outside the caller's hands.
///
/// Two gateways starting together on an empty log may each create one; both keys are valid and
/// either can revoke the other.
struct AdminBootstrap: Sendable {
    let log: any EventLog
    let announce: @Sendable (String) -> Void

    func runIfNeeded(_ access: AccessService, logger: Logger) async throws {
        let now = Date()
        let directory = access.directory
        guard !directory.hasUsableAdminKey(at: now) else { return }
        // Called from the access service's own loop: the state is evolved here, not awaited from
        // the directory (which that same loop fills).
        let system = Authenticator.systemTenant
        var tenant = directory.tenant(system)
        if tenant == nil {
            let events = try TenantDecider.decide(.create(tenantId: system, name: "Keel system", plan: "enterprise"), state: nil)
            _ = try await log.produce(
                events.map { OutgoingRecord($0.cloudEvent(source: AccessController.source, id: AccessController.newID(), time: now)) },
                to: "keel.tenants")
            tenant = events.reduce(tenant) { TenantDecider.evolve($0, $1) }
        }
        var rng = SystemRandomNumberGenerator()
        let token = ApiKeyToken.generate(using: &rng)
        let hash = SecretHasher.hash(secret: token.secret, using: &rng)
        let events = try ApiKeyDecider.decide(
            .create(
                keyId: token.keyId, tenantId: system, name: "bootstrap admin", roles: [.admin], prefix: token.displayPrefix, hash: hash,
                expiresAt: nil, allowedTypes: nil),
            state: nil, tenant: tenant, now: now)
        _ = try await log.produce(
            events.map { OutgoingRecord($0.cloudEvent(source: AccessController.source, id: AccessController.newID(), time: now)) },
            to: "keel.apikeys")
        logger.notice("created the bootstrap admin key \(token.keyId) (secret shown once on standard output)")
        announce(token.text)
    }
}
