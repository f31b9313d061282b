import Foundation
import KeelCore
import Synchronization

/// A request rate: a bucket of `burst` tokens refilled at `perSecond`.
public struct RateLimit: Sendable, Hashable, CustomStringConvertible {
    public var perSecond: Double
    public var burst: Int

    public init(perSecond: Double, burst: Int? = nil) {
        self.perSecond = perSecond
        self.burst = burst ?? max(1, Int(perSecond.rounded(.up)))
    }

    /// `100/s` or `100/s:200` (burst 200).
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", maxSplits: 1)
        guard let ratePart = parts.first, ratePart.hasSuffix("/s"), let rate = Double(ratePart.dropLast(2)), rate > 0 else {
            return nil
        }
        if parts.count == 2 {
            guard let burst = Int(parts[1]), burst > 0 else { return nil }
            self.init(perSecond: rate, burst: burst)
        } else {
            self.init(perSecond: rate)
        }
    }

    public var description: String { "\(perSecond)/s:\(burst)" }
}

/// Which limits apply: per API key (or JWT subject) and per tenant, configurable per role and
/// per route (operation id). The most specific key limit wins: route, then the most generous of
/// the caller's roles, then the default.
public struct RateLimitPolicy: Sendable {
    public var perKey: RateLimit = RateLimit(perSecond: 200, burst: 400)
    public var perTenant: RateLimit = RateLimit(perSecond: 1000, burst: 2000)
    public var perRole: [Role: RateLimit] = [:]
    public var perRoute: [String: RateLimit] = [:]
    /// Off: no buckets, no headers (benchmarks measure the rest of the gateway).
    public var enabled = true

    public init() {}

    func keyLimit(route: String, roles: Set<Role>) -> RateLimit {
        if let limit = perRoute[route] { return limit }
        let byRole = roles.compactMap { perRole[$0] }
        return byRole.max { $0.perSecond < $1.perSecond } ?? perKey
    }
}

/// Token buckets per caller and per tenant, in this process.
///
/// With N gateway instances behind a load balancer each instance keeps its own buckets, so a
/// caller spread evenly across them gets up to N × the configured rate; configure limits per
/// instance (divide by N) when that matters. Full buckets are dropped every 10 minutes.
/// Thread-safe (one lock; each decision is a few arithmetic operations).
public final class RateLimiter: Sendable {
    struct Buckets {
        var byCaller: [String: TokenBucket] = [:]
        var byTenant: [String: TokenBucket] = [:]
        var lastSweep: UInt64 = 0
    }

    public let policy: RateLimitPolicy
    private let buckets = Mutex(Buckets())
    private let now: @Sendable () -> UInt64

    public init(policy: RateLimitPolicy, now: @escaping @Sendable () -> UInt64 = { DispatchTime.now().uptimeNanoseconds }) {
        self.policy = policy
        self.now = now
    }

    /// Takes one token from the caller's bucket (for this route) and one from its tenant's.
    /// Refused when either is empty; the decision reported is the tighter of the two.
    public func check(caller: String, tenant: String?, roles: Set<Role>, route: String) -> RateDecision? {
        guard policy.enabled else { return nil }
        let keyLimit = policy.keyLimit(route: route, roles: roles)
        let tenantLimit = policy.perTenant
        let instant = now()
        return buckets.withLock { state -> RateDecision in
            sweep(&state, at: instant)
            let callerKey = "\(route)|\(caller)"
            var callerBucket =
                state.byCaller[callerKey]
                ?? TokenBucket(capacity: keyLimit.burst, refillPerSecond: keyLimit.perSecond, now: instant)
            let callerDecision = callerBucket.take(1, now: instant)
            state.byCaller[callerKey] = callerBucket
            guard callerDecision.allowed, let tenant else { return callerDecision }
            var tenantBucket =
                state.byTenant[tenant]
                ?? TokenBucket(capacity: tenantLimit.burst, refillPerSecond: tenantLimit.perSecond, now: instant)
            let tenantDecision = tenantBucket.take(1, now: instant)
            state.byTenant[tenant] = tenantBucket
            if !tenantDecision.allowed { return tenantDecision }
            return callerDecision.remaining <= tenantDecision.remaining ? callerDecision : tenantDecision
        }
    }

    private func sweep(_ state: inout Buckets, at instant: UInt64) {
        let idle: UInt64 = 600_000_000_000
        guard instant &- state.lastSweep > idle else { return }
        state.lastSweep = instant
        // A full bucket is what a new one would be: dropping it changes nothing.
        state.byCaller = state.byCaller.filter { _, bucket in bucket.available(now: instant) < bucket.capacity }
        state.byTenant = state.byTenant.filter { _, bucket in bucket.available(now: instant) < bucket.capacity }
    }
}
