import Testing

@testable import KeelCore

@Suite struct TokenBucketTests {
    static let second: UInt64 = 1_000_000_000
    static let start: UInt64 = 5 * second  // monotonic clocks do not start at zero

    @Test func startsFullAndDrains() {
        var bucket = TokenBucket(capacity: 3, refillPerSecond: 1, now: Self.start)
        var decision = bucket.take(now: Self.start)
        #expect(decision == RateDecision(allowed: true, limit: 3, remaining: 2, retryAfterSeconds: 0, resetSeconds: 1))
        decision = bucket.take(now: Self.start)
        #expect(decision.allowed && decision.remaining == 1 && decision.resetSeconds == 2)
        decision = bucket.take(now: Self.start)
        #expect(decision.allowed && decision.remaining == 0 && decision.resetSeconds == 3)
        decision = bucket.take(now: Self.start)
        #expect(decision == RateDecision(allowed: false, limit: 3, remaining: 0, retryAfterSeconds: 1, resetSeconds: 3))
    }

    @Test func refillsContinuouslyUpToCapacity() {
        var bucket = TokenBucket(capacity: 10, refillPerSecond: 2, now: Self.start)
        #expect(bucket.take(10, now: Self.start).allowed)
        #expect(!bucket.take(now: Self.start + Self.second / 4).allowed)  // half a token
        #expect(bucket.take(now: Self.start + Self.second / 2).allowed)  // one token
        #expect(bucket.available(now: Self.start + Self.second / 2) == 0)
        #expect(bucket.available(now: Self.start + 3 * Self.second) == 5)
        // Long idle: capped at capacity, not 2 × an hour.
        #expect(bucket.available(now: Self.start + 3600 * Self.second) == 10)
        #expect(bucket.take(10, now: Self.start + 3600 * Self.second).allowed)
        #expect(!bucket.take(now: Self.start + 3600 * Self.second).allowed)
    }

    @Test func retryAfterIsTheWaitForTheMissingTokensRoundedUp() {
        var bucket = TokenBucket(capacity: 10, refillPerSecond: 0.5, now: Self.start)
        #expect(bucket.take(10, now: Self.start).allowed)
        var decision = bucket.take(now: Self.start)
        #expect(!decision.allowed && decision.retryAfterSeconds == 2 && decision.resetSeconds == 20)
        decision = bucket.take(3, now: Self.start + Self.second)  // 0.5 there, 2.5 missing: 5 s
        #expect(!decision.allowed && decision.retryAfterSeconds == 5 && decision.remaining == 0)
        decision = bucket.take(3, now: Self.start + 6 * Self.second)
        #expect(decision.allowed && decision.remaining == 0)
        // A refused take costs nothing.
        #expect(bucket.available(now: Self.start + 6 * Self.second) == 0)
    }

    @Test func fastRatesStillReportAtLeastOneSecond() {
        var bucket = TokenBucket(capacity: 100, refillPerSecond: 1000, now: Self.start)
        #expect(bucket.take(100, now: Self.start).allowed)
        let decision = bucket.take(now: Self.start)
        #expect(!decision.allowed && decision.retryAfterSeconds == 1 && decision.resetSeconds == 1)
    }

    @Test func moreThanCapacityIsRefusedWithTheTimeUntilFull() {
        var bucket = TokenBucket(capacity: 5, refillPerSecond: 1, now: Self.start)
        var decision = bucket.take(6, now: Self.start)
        #expect(!decision.allowed && decision.retryAfterSeconds == 1 && decision.remaining == 5)
        #expect(bucket.take(2, now: Self.start).allowed)
        decision = bucket.take(6, now: Self.start)
        #expect(!decision.allowed && decision.retryAfterSeconds == 2 && decision.resetSeconds == 2)
        // Even with a full bucket it never succeeds.
        #expect(!bucket.take(6, now: Self.start + 100 * Self.second).allowed)
    }

    @Test func zeroTakesOnlyReport() {
        var bucket = TokenBucket(capacity: 2, refillPerSecond: 1, now: Self.start)
        #expect(bucket.take(2, now: Self.start).allowed)
        let decision = bucket.take(0, now: Self.start)
        #expect(decision.allowed && decision.remaining == 0 && decision.retryAfterSeconds == 0 && decision.resetSeconds == 2)
    }

    @Test func aClockGoingBackwardsNeitherRefillsNorDrains() {
        var bucket = TokenBucket(capacity: 2, refillPerSecond: 1, now: Self.start + 10 * Self.second)
        #expect(bucket.take(2, now: Self.start + 10 * Self.second).allowed)
        #expect(!bucket.take(now: Self.start).allowed)
        #expect(bucket.available(now: Self.start + 11 * Self.second) == 1)
    }

    @Test func exactRefillsGiveWholeTokens() {
        // Many small steps accumulate floating-point error; a full second must still be a token.
        var bucket = TokenBucket(capacity: 1, refillPerSecond: 1, now: Self.start)
        #expect(bucket.take(now: Self.start).allowed)
        var now = Self.start
        for _ in 0..<9 {
            now += Self.second / 10
            #expect(!bucket.take(now: now).allowed)
        }
        now += Self.second / 10
        #expect(bucket.take(now: now).allowed)
    }

    @Test func neverAllowsMoreThanCapacityPlusRefill() {
        var bucket = TokenBucket(capacity: 20, refillPerSecond: 7, now: Self.start)
        var allowed = 0
        var now = Self.start
        for step in 0..<10_000 {
            now += 1_000_000  // 1 ms
            if bucket.take(step % 3 + 1, now: now).allowed { allowed += step % 3 + 1 }
        }
        #expect(allowed <= 20 + 70)
        #expect(allowed >= 20 + 70 - 3)
    }

    @Test func slowRatesCapTheReportedWait() {
        var bucket = TokenBucket(capacity: 1, refillPerSecond: 1e-12, now: Self.start)
        #expect(bucket.take(now: Self.start).allowed)
        let decision = bucket.take(now: Self.start)
        #expect(!decision.allowed && decision.retryAfterSeconds == 365 * 24 * 3600)
    }
}
