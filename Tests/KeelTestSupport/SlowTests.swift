import Foundation

/// Long soak, HA and browser tests run in full only with `KEEL_SLOW_TESTS=1`, which
/// `Scripts/test-slow.sh` sets (run it before resolving an issue). CI runs `Scripts/test.sh`: 90
/// minutes on 2 cores for a cold build and the whole suite, so there each such test runs a short
/// version that still checks the same property once.
public enum SlowTests {
    public static var enabled: Bool { ProcessInfo.processInfo.environment["KEEL_SLOW_TESTS"] == "1" }

    /// `full` with `KEEL_SLOW_TESTS=1`, `short` otherwise.
    public static func choose<T>(short: T, full: T) -> T { enabled ? full : short }
}
