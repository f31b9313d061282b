/// The outcome of one `TokenBucket.take`, in the shape of the `RateLimit-*` / `Retry-After`
/// response headers.
public struct RateDecision: Sendable, Hashable {
    public var allowed: Bool
    /// The bucket's capacity.
    public var limit: Int
    /// Whole tokens left after this decision.
    public var remaining: Int
    /// Whole seconds (rounded up) until retrying can succeed: 0 when allowed, at least 1 when
    /// refused.
    public var retryAfterSeconds: Int
    /// Whole seconds (rounded up) until the bucket is full again.
    public var resetSeconds: Int

    public init(allowed: Bool, limit: Int, remaining: Int, retryAfterSeconds: Int, resetSeconds: Int) {
        self.allowed = allowed
        self.limit = limit
        self.remaining = remaining
        self.retryAfterSeconds = retryAfterSeconds
        self.resetSeconds = resetSeconds
    }
}

/// A token bucket: up to `capacity` requests in a burst, refilled continuously at
/// `refillPerSecond`. Pure — the caller passes a monotonic clock reading in nanoseconds
/// (`ContinuousClock`/`DispatchTime.uptimeNanoseconds`), so tests drive it with a fake clock.
///
/// Guarantees: over any interval of length `t` it allows at most `capacity + t × refillPerSecond`
/// tokens; a refused take costs nothing; a clock reading earlier than the last one is treated as
/// no time passing (never as a refill or a drain).
public struct TokenBucket: Sendable, Hashable {
    public let capacity: Int
    public let refillPerSecond: Double
    /// Fractional, so slow refill rates (one token a minute) accumulate exactly enough.
    private var tokens: Double
    private var lastRefill: UInt64

    /// Absorbs the rounding of repeated floating-point refills, so exactly a second at one token
    /// a second does give a whole token.
    private static let epsilon = 1e-9
    /// Caps a computed wait (for absurdly slow rates) so it fits any header and `Int`.
    private static let maximumSeconds = 365 * 24 * 3600

    /// A full bucket. `capacity` must be at least 1 and `refillPerSecond` positive and finite.
    public init(capacity: Int, refillPerSecond: Double, now: UInt64) {
        precondition(capacity >= 1, "a token bucket needs a capacity of at least 1")
        precondition(refillPerSecond > 0 && refillPerSecond.isFinite, "a token bucket needs a positive, finite refill rate")
        self.capacity = capacity
        self.refillPerSecond = refillPerSecond
        self.tokens = Double(capacity)
        self.lastRefill = now
    }

    /// Takes `count` tokens if they are there (all or nothing).
    ///
    /// A request for more than `capacity` tokens can never succeed; it is refused with
    /// `retryAfterSeconds` set to the time until the bucket is full (at least 1) — the soonest
    /// anything could change — and callers should rather reject such requests outright (e.g.
    /// 413). `take(0)` is always allowed and only reports the state.
    public mutating func take(_ count: Int = 1, now: UInt64) -> RateDecision {
        precondition(count >= 0, "cannot take a negative number of tokens")
        refill(now: now)
        let wanted = Double(count)
        if wanted <= tokens + Self.epsilon {
            tokens = max(0, tokens - wanted)
            return decision(allowed: true, retryAfter: 0)
        }
        let target = count > capacity ? Double(capacity) : wanted
        return decision(allowed: false, retryAfter: max(1, seconds(untilTokens: target)))
    }

    /// Whole tokens available at `now`, without taking any.
    public func available(now: UInt64) -> Int {
        var copy = self
        copy.refill(now: now)
        return copy.wholeTokens
    }

    private mutating func refill(now: UInt64) {
        guard now > lastRefill else { return }
        let elapsed = Double(now - lastRefill) / 1_000_000_000
        tokens = min(Double(capacity), tokens + elapsed * refillPerSecond)
        lastRefill = now
    }

    private var wholeTokens: Int { Int((tokens + Self.epsilon).rounded(.down)) }

    private func seconds(untilTokens target: Double) -> Int {
        let missing = target - tokens
        guard missing > Self.epsilon else { return 0 }
        let seconds = (missing / refillPerSecond - Self.epsilon).rounded(.up)
        return seconds >= Double(Self.maximumSeconds) ? Self.maximumSeconds : Int(seconds)
    }

    private func decision(allowed: Bool, retryAfter: Int) -> RateDecision {
        RateDecision(
            allowed: allowed, limit: capacity, remaining: wholeTokens, retryAfterSeconds: retryAfter,
            resetSeconds: seconds(untilTokens: Double(capacity)))
    }
}
