import Foundation
import KeelCore
import KeelStore

/// Where a replay starts reading every partition of the projector's topics.
public enum ReplayStart: Sendable, Hashable {
    case earliest
    /// The same offset in every partition (before a partition's start means its start).
    case offset(Int64)
    /// The first record at or after this instant (milliseconds since the epoch).
    case timestampMs(Int64)

    /// Parses `earliest`, an offset, or an RFC 3339 time.
    public init?(_ text: String) {
        if text == "earliest" {
            self = .earliest
        } else if let offset = Int64(text), offset >= 0 {
            self = .offset(offset)
        } else if let date = RFC3339Parser.parse(text) {
            self = .timestampMs(Int64((date.timeIntervalSince1970 * 1000).rounded(.down)))
        } else {
            return nil
        }
    }
}

/// Where a bounded replay stops (exclusive).
public enum ReplayEnd: Sendable, Hashable {
    /// Stop before this offset in every partition.
    case offset(Int64)
    /// Stop before the first record at or after this instant.
    case timestampMs(Int64)

    public init?(_ text: String) {
        if let offset = Int64(text), offset >= 0 {
            self = .offset(offset)
        } else if let date = RFC3339Parser.parse(text) {
            self = .timestampMs(Int64((date.timeIntervalSince1970 * 1000).rounded(.down)))
        } else {
            return nil
        }
    }
}

/// KeelCore's parser: `--from`/`--to` times are accepted exactly as the envelope's `time` is.
enum RFC3339Parser {
    static func parse(_ text: String) -> Date? { RFC3339.parse(text) }
}

/// A replay's progress, reported about twice a second and once at the end.
public struct ReplayProgress: Sendable, Hashable {
    public enum Phase: String, Sendable, Hashable {
        case building
        case catchingUp = "catching-up"
        case promoting, done
    }

    public var phase: Phase
    public var generation: String
    /// Records read so far (including dead-lettered and parked ones).
    public var events: Int
    public var eventsPerSecond: Double
    /// Records between the shadow's position and the current target, over all partitions.
    public var lag: Int64
    /// `lag / eventsPerSecond`, when there is a rate.
    public var etaSeconds: Double?
    public var elapsedSeconds: Double
}

/// What a finished replay did.
public struct ReplayReport: Sendable, Hashable {
    public var shadow: CollectionSet
    public var events: Int
    public var seconds: Double
    /// False for bounded replays (`--to`): the shadow is kept for inspection, not swapped in.
    public var promoted: Bool
    /// Shadow generations of earlier, interrupted replays that were dropped first.
    public var droppedLeftovers: [CollectionSet]
}

/// A replay refused before anything changed.
public struct ReplayError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
