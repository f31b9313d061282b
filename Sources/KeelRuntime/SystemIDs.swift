import Foundation
import KeelCore

/// Fresh ids at the edges. The pure core takes the time and the random source as arguments
/// (`UUIDv7.generate(now:using:)`); this is where the wall clock and the system's random
/// generator are read, for the roles and the CLI.
public enum SystemIDs {
    /// A lowercase UUIDv7 from the process-wide generator (strictly increasing in this process),
    /// at `now` (the wall clock unless the caller already holds the event's time).
    public static func uuidv7(now: Date = Date()) -> String {
        var rng = SystemRandomNumberGenerator()
        return UUIDv7.generate(now: now, using: &rng).lowercasedString
    }
}
