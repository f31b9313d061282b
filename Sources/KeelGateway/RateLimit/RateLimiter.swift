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
    /// Per peer address: requests to guarded routes that fail authentication (no credential, a
    /// wrong or refused one) take a token; while the address has none left, every request from it
    /// to a guarded route is refused before its credential is checked.
    public var anonymous: RateLimit = RateLimit(perSecond: 20, burst: 40)
    /// Proxies whose `X-Forwarded-For` names the peer (see `PeerAddressResolver`); none by default,
    /// so the header is ignored unless a deployment says which hop writes it.
    public var trustedProxies: [IPAddressRange] = []
    /// Audit records of refused requests (401/403/429) per (caller or peer address, reason) and
    /// minute; refusals past it are counted into the next record's `suppressed`.
    public var refusalAuditsPerMinute = 10
    /// Audit records of refused requests per minute over all callers, so many addresses cannot
    /// flood the audit topic either.
    public var refusalAuditsPerMinuteTotal = 1200
    /// Off: no buckets, no headers (benchmarks measure the rest of the gateway).
    public var enabled = true

    public init() {}

    func keyLimit(route: String, roles: Set<Role>) -> RateLimit {
        if let limit = perRoute[route] { return limit }
        let byRole = roles.compactMap { perRole[$0] }
        return byRole.max { $0.perSecond < $1.perSecond } ?? perKey
    }
}

/// Token buckets per caller, per tenant and per peer address, in this process.
///
/// With N gateway instances behind a load balancer each instance keeps its own buckets, so a
/// caller spread evenly across them gets up to N × the configured rate; configure limits per
/// instance (divide by N) when that matters. Each kind of bucket lives in a `BoundedBucketMap` of
/// at most `maximumBuckets` entries, so a flood of distinct addresses or subjects cannot grow
/// memory; a bucket forgotten under such a flood comes back full.
/// Thread-safe (one lock; each decision is a few arithmetic operations).
public final class RateLimiter: Sendable {
    struct Buckets {
        var byCaller: BoundedBucketMap<TokenBucket>
        var byTenant: BoundedBucketMap<TokenBucket>
        var byPeer: BoundedBucketMap<TokenBucket>
    }

    /// The default bound of each bucket map: about 100 bytes a bucket, so a few MiB at most.
    public static let defaultMaximumBuckets = 65_536

    public let policy: RateLimitPolicy
    public let peers: PeerAddressResolver
    private let buckets: Mutex<Buckets>
    private let now: @Sendable () -> UInt64

    public init(
        policy: RateLimitPolicy, maximumBuckets: Int = RateLimiter.defaultMaximumBuckets,
        now: @escaping @Sendable () -> UInt64 = { DispatchTime.now().uptimeNanoseconds }
    ) {
        self.policy = policy
        self.peers = PeerAddressResolver(trustedProxies: policy.trustedProxies)
        self.buckets = Mutex(
            Buckets(
                byCaller: BoundedBucketMap(capacity: maximumBuckets), byTenant: BoundedBucketMap(capacity: maximumBuckets),
                byPeer: BoundedBucketMap(capacity: maximumBuckets)))
        self.now = now
    }

    /// How many buckets are held, over all kinds (for tests of the bound).
    var bucketCount: Int { buckets.withLock { $0.byCaller.count + $0.byTenant.count + $0.byPeer.count } }

    /// The refusal for a request from `peer` when the address has used up its allowance of failed
    /// authentications; `nil` when it may try (takes no token: only failures are charged).
    public func refusal(peer: String) -> RateDecision? {
        guard policy.enabled else { return nil }
        let instant = now()
        return buckets.withLock { state -> RateDecision? in
            // Taking from a copy asks "would one more failure be allowed?" without spending it.
            guard var bucket = state.byPeer.peek(peer) else { return nil }
            let decision = bucket.take(1, now: instant)
            return decision.allowed ? nil : decision
        }
    }

    /// Charges one failed authentication to `peer`.
    public func chargeFailedAuthentication(peer: String) {
        guard policy.enabled else { return }
        let limit = policy.anonymous
        let instant = now()
        buckets.withLock { state in
            state.byPeer.update(peer, make: { TokenBucket(capacity: limit.burst, refillPerSecond: limit.perSecond, now: instant) }) {
                _ = $0.take(1, now: instant)
            }
        }
    }

    /// Takes one token from the caller's bucket (for this route) and one from its tenant's.
    /// Refused when either is empty; the decision reported is the tighter of the two.
    public func check(caller: String, tenant: String?, roles: Set<Role>, route: String) -> RateDecision? {
        guard policy.enabled else { return nil }
        let keyLimit = policy.keyLimit(route: route, roles: roles)
        let tenantLimit = policy.perTenant
        let instant = now()
        return buckets.withLock { state -> RateDecision in
            let callerDecision = state.byCaller.update(
                "\(route)|\(caller)", make: { TokenBucket(capacity: keyLimit.burst, refillPerSecond: keyLimit.perSecond, now: instant) }
            ) { $0.take(1, now: instant) }
            guard callerDecision.allowed, let tenant else { return callerDecision }
            let tenantDecision = state.byTenant.update(
                tenant, make: { TokenBucket(capacity: tenantLimit.burst, refillPerSecond: tenantLimit.perSecond, now: instant) }
            ) { $0.take(1, now: instant) }
            if !tenantDecision.allowed { return tenantDecision }
            return callerDecision.remaining <= tenantDecision.remaining ? callerDecision : tenantDecision
        }
    }
}
