import Foundation
import Hummingbird
import KeelCore
import Synchronization

/// Audits refused requests (401, 403, 429) with their reason, without letting refusals flood
/// the audit topic.
///
/// Guarantees: at most `perKeyPerMinute` records per (caller or peer address, problem kind) in
/// any minute after the first burst, and at most `totalPerMinute` over all keys; a refusal not
/// recorded is counted, and the next record for its key carries the count in `suppressed` (so
/// nothing is silently lost from the trail, only folded). The throttle state is a
/// `BoundedBucketMap`, so a flood of distinct addresses cannot grow it. Records go under the
/// caller's tenant, or the system tenant `keel` when the caller has none (unauthenticated,
/// platform-level). Recording is best-effort: a failure is logged, never turned into a 5xx.
final class RefusalAudit: Sendable {
    static let auditedStatuses: Set<Int> = [401, 403, 429]

    struct Throttle {
        var bucket: TokenBucket
        var suppressed = 0
    }

    struct State {
        var byKey: BoundedBucketMap<Throttle>
        var total: TokenBucket
    }

    let recorder: AuditRecorder
    let perKeyPerMinute: Int
    private let state: Mutex<State>
    private let now: @Sendable () -> UInt64

    init(recorder: AuditRecorder, perKeyPerMinute: Int, totalPerMinute: Int, maximumKeys: Int = 65_536, now: @escaping @Sendable () -> UInt64) {
        self.recorder = recorder
        self.perKeyPerMinute = max(1, perKeyPerMinute)
        let total = max(1, totalPerMinute)
        state = Mutex(
            State(
                byKey: BoundedBucketMap(capacity: maximumKeys),
                total: TokenBucket(capacity: total, refillPerSecond: Double(total) / 60, now: now())))
        self.now = now
    }

    /// Records `problem` if it is a refusal and the throttle allows; returns whether it recorded.
    @discardableResult
    func record(_ problem: Problem, request: Request, requestID: String, identity: RequestIdentity) async -> Bool {
        guard Self.auditedStatuses.contains(problem.status.code) else { return false }
        let principal = identity.principal
        let peer = identity.peer ?? PeerAddressResolver.unknownPeer
        let caller = principal?.subject ?? "peer:\(peer)"
        guard let suppressed = admit(key: "\(caller)|\(problem.kind.slug)") else { return false }
        let route = GatewayRoutes.route(method: request.method, path: Substring(request.uri.path))
        var details: [String: JSONValue] = ["ip": .string(peer)]
        if suppressed > 0 { details["suppressed"] = .int(Int64(suppressed)) }
        let actor = principal.map(AuditRecorder.actor) ?? AuditRecorder.anonymousActor(peer: peer)
        guard
            let event = recorder.event(
                actor: actor, action: route?.operationID ?? "unmatched",
                resource: (kind: "route", id: "\(request.method) \(route?.path ?? "unmatched")"), outcome: "denied",
                tenant: principal?.tenant ?? Authenticator.systemTenant, requestID: requestID,
                reason: "\(problem.kind.slug): \(problem.detail)", details: details)
        else {
            recorder.logger.warning("audit: a refusal record did not validate against keel.audit")
            return false
        }
        do {
            try await recorder.record([event])
            return true
        } catch {
            recorder.logger.warning("audit: could not record a refusal: \(error)")
            return false
        }
    }

    /// The number of refusals folded into this record, or `nil` when this one is folded too.
    private func admit(key: String) -> Int? {
        let instant = now()
        let perKey = perKeyPerMinute
        return state.withLock { state -> Int? in
            var total = state.total
            defer { state.total = total }
            return state.byKey.update(
                key, make: { Throttle(bucket: TokenBucket(capacity: perKey, refillPerSecond: Double(perKey) / 60, now: instant)) }
            ) { throttle -> Int? in
                // The key's own allowance comes first, so one noisy key cannot spend the total.
                guard throttle.bucket.take(1, now: instant).allowed, total.take(1, now: instant).allowed else {
                    throttle.suppressed += 1
                    return nil
                }
                defer { throttle.suppressed = 0 }
                return throttle.suppressed
            }
        }
    }
}
