import Foundation
import KeelCore
import KeelLog
import KeelRuntime
import Logging

/// Writes `keel.audit.action.recorded` events: who did what to which resource, and the outcome.
///
/// Admin changes are audited before they are answered (the audit record is produced with the
/// change); denials are audited best-effort (a failure is logged, never turned into a 5xx).
struct AuditRecorder: Sendable {
    static let topic = "keel.audit"
    static let type = "keel.audit.action.recorded"

    let log: any EventLog
    let catalog: TopicCatalog
    let logger: Logger

    /// `details`: further optional members of the record (`ip`, `suppressed`).
    func event(
        principal: Principal, action: String, resource: (kind: String, id: String), outcome: String, tenant: String,
        requestID: String, reason: String? = nil, details: [String: JSONValue] = [:]
    ) -> CloudEvent? {
        event(
            actor: Self.actor(principal), action: action, resource: resource, outcome: outcome, tenant: tenant, requestID: requestID,
            reason: reason, details: details)
    }

    /// A caller that proved no identity, named by its peer address.
    static func anonymousActor(peer: String) -> JSONValue {
        .object(["kind": .string("anonymous"), "id": .string(peer)])
    }

    static func actor(_ principal: Principal) -> JSONValue {
        let actor: JSONValue
        switch principal.credential {
        case .apiKey(let keyId): actor = .object(["kind": .string("apikey"), "id": .string(keyId)])
        case .adminBootstrap: actor = .object(["kind": .string("service"), "id": .string("admin-bootstrap")])
        case .jwt(_, let subject): actor = .object(["kind": .string("user"), "id": .string(subject)])
        case .localOperator: actor = .object(["kind": .string("service"), "id": .string("local-operator")])
        }
        return actor
    }

    func event(
        actor: JSONValue, action: String, resource: (kind: String, id: String), outcome: String, tenant: String, requestID: String,
        reason: String?, details: [String: JSONValue] = [:]
    ) -> CloudEvent? {
        var data: [String: JSONValue] = details
        data.merge([
            "actor": actor, "action": .string(action),
            "resource": .object(["kind": .string(resource.kind), "id": .string(resource.id)]), "outcome": .string(outcome),
        ]) { _, fixed in fixed }
        if !requestID.isEmpty { data["requestId"] = .string(requestID) }
        if let reason, !reason.isEmpty { data["reason"] = .string(String(reason.prefix(500))) }
        let now = Date()
        var event = CloudEvent(id: SystemIDs.uuidv7(now: now), source: "keel/gateway", type: Self.type, time: now, json: .object(data))
        event.tenantid = tenant
        return try? catalog.prepare(event, forTopic: Self.topic)
    }

    func record(_ events: [CloudEvent]) async throws {
        guard !events.isEmpty else { return }
        _ = try await log.produce(events.map { OutgoingRecord($0) }, to: Self.topic)
    }

    /// Best-effort record of a refused request.
    func recordDenial(principal: Principal, action: String, resource: (kind: String, id: String), tenant: String, requestID: String, reason: String)
        async
    {
        guard
            let event = event(
                principal: principal, action: action, resource: resource, outcome: "denied", tenant: tenant, requestID: requestID, reason: reason)
        else { return }
        do {
            try await record([event])
        } catch {
            logger.warning("audit: could not record a denial: \(error)")
        }
    }
}
