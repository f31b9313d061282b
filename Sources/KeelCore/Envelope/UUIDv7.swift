import Foundation
import Synchronization

/// RFC 9562 version 7 UUIDs: a 48-bit Unix millisecond timestamp, then random bits.
///
/// Guarantees: version nibble 7, variant `10`, and strictly increasing values (in byte order,
/// which is also `uuidString` order) for every call in this process — even many calls within one
/// millisecond or a clock that steps backwards. Within a millisecond the 74 bits after the
/// timestamp act as a counter seeded randomly (RFC 9562 §6.2 method 2, "monotonic random").
public enum UUIDv7 {
    /// The process-wide generator behind `generate(now:using:)`.
    public static let shared = UUIDv7Generator()

    /// The next id of the process-wide generator. The caller passes the time and the random
    /// source: the pure core never reads the clock or randomness by itself (the edges pass
    /// `Date()` and a `SystemRandomNumberGenerator`; tests pass fixed ones).
    public static func generate(now: Date, using rng: inout some RandomNumberGenerator) -> UUID {
        shared.next(now: now, using: &rng)
    }

    /// The millisecond timestamp of a version 7 UUID, or `nil` for other versions.
    public static func milliseconds(of uuid: UUID) -> Int64? {
        let bytes = uuid.uuid
        guard bytes.6 >> 4 == 7 else { return nil }
        let parts = [bytes.0, bytes.1, bytes.2, bytes.3, bytes.4, bytes.5]
        return parts.reduce(Int64(0)) { $0 << 8 | Int64($1) }
    }
}

/// A source of strictly increasing UUIDv7 values; thread-safe (its state sits under a mutex).
/// Separate instances are independent, so a test can drive its own clock without moving the
/// process-wide generator.
public final class UUIDv7Generator: Sendable {
    private struct State {
        var milliseconds: UInt64 = 0
        var high: UInt16 = 0  // 12 bits (rand_a)
        var low: UInt64 = 0  // 62 bits (rand_b)
    }

    private let state = Mutex(State())

    public init() {}

    /// The next id at `now` (Unix milliseconds, rounded down), random bits from `rng`.
    public func next(now: Date, using rng: inout some RandomNumberGenerator) -> UUID {
        next(milliseconds: UInt64(max(0, (now.timeIntervalSince1970 * 1000).rounded(.down))), using: &rng)
    }

    /// The next id at `wallClock` Unix milliseconds; `rng` seeds the counter when the millisecond
    /// advances (it is not called otherwise).
    public func next(milliseconds wallClock: UInt64, using rng: inout some RandomNumberGenerator) -> UUID {
        let (milliseconds, high, low) = state.withLock { state -> (UInt64, UInt16, UInt64) in
            if wallClock > state.milliseconds {
                state.milliseconds = wallClock
                // Top bit of rand_a clear so the counter has room to grow within this millisecond.
                state.high = UInt16.random(in: 0...0x7FF, using: &rng)
                state.low = UInt64.random(in: 0...(1 << 62 - 1), using: &rng)
            } else {
                // Same millisecond, or the clock went back: count up from the last value.
                state.low += 1
                if state.low >= 1 << 62 {
                    state.low = 0
                    state.high += 1
                    if state.high > 0xFFF {
                        // 2^74 ids in one millisecond cannot happen; borrow the next millisecond anyway.
                        state.high = 0
                        state.milliseconds += 1
                    }
                }
            }
            return (state.milliseconds, state.high, state.low)
        }
        var uuid: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &uuid) { bytes in
            for index in 0..<6 {
                bytes[index] = UInt8(truncatingIfNeeded: milliseconds >> (8 * (5 - index)))
            }
            bytes[6] = 0x70 | UInt8(truncatingIfNeeded: high >> 8)
            bytes[7] = UInt8(truncatingIfNeeded: high)
            bytes[8] = 0x80 | UInt8(truncatingIfNeeded: low >> 56)
            for index in 9..<16 {
                bytes[index] = UInt8(truncatingIfNeeded: low >> (8 * (15 - index)))
            }
        }
        return UUID(uuid: uuid)
    }
}

extension UUID {
    /// The canonical lowercase form (`xxxxxxxx-xxxx-…`), written directly: Foundation's
    /// `uuidString` is uppercase, and lowercasing it costs a second string on every request.
    public var lowercasedString: String {
        withUnsafeBytes(of: uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { buffer in
                let digits = LowercaseHex.digits
                var out = 0
                for index in 0..<16 {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        buffer[out] = UInt8(ascii: "-")
                        out += 1
                    }
                    buffer[out] = digits[Int(bytes[index] >> 4)]
                    buffer[out + 1] = digits[Int(bytes[index] & 0xF)]
                    out += 2
                }
                return out
            }
        }
    }
}
