import KeelCore

/// The credential `keel serve` makes at each start for the CLI on the same machine, so that
/// `keel replay` and `keel dlq` can ask the running server to do their writes (the embedded log
/// and store admit one writing process). It grants a platform-level `operator` (projection
/// operations and reads), never `admin`: it cannot create tenants or keys.
///
/// `keel-local-` and 64 lowercase hex characters (256 random bits). A new token each start, so
/// one left in a stale file is worth nothing once that server stopped. Unlike API keys it is not
/// `keel_…`, so it is never mistaken for a malformed API key.
public enum LocalOperatorToken {
    public static let prefix = "keel-local-"

    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return generate(using: &generator)
    }

    public static func generate(using generator: inout some RandomNumberGenerator) -> String {
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return prefix + LowercaseHex.string(bytes)
    }
}
