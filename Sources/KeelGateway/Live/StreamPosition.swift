import KeelCore

/// Where a live stream stands on each partition: the next offset to deliver. Clients get it with
/// every event (`keelposition`, and the SSE `id`) and pass it back to resume with no gap and no
/// duplicate.
///
/// Text form: `partition-offset` pairs joined by `.`, e.g. `0-12.1-40.2-0` (only characters
/// that are safe in a URL query, an SSE `id` line and a WebSocket close reason).
public struct StreamPosition: Sendable, Hashable, CustomStringConvertible {
    public var offsets: [Int32: Int64]

    public init(offsets: [Int32: Int64] = [:]) {
        self.offsets = offsets
    }

    public init?(parsing text: String) {
        var offsets: [Int32: Int64] = [:]
        for pair in text.split(separator: ".", omittingEmptySubsequences: false) {
            let parts = pair.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 2, let partition = Int32(parts[0]), partition >= 0, let offset = Int64(parts[1]), offset >= 0,
                offsets[partition] == nil
            else { return nil }
            offsets[partition] = offset
        }
        guard !offsets.isEmpty else { return nil }
        self.offsets = offsets
    }

    public var description: String {
        offsets.sorted { $0.key < $1.key }.map { "\($0.key)-\($0.value)" }.joined(separator: ".")
    }
}

/// Where a new subscription starts.
public enum LiveStart: Sendable, Hashable {
    case latest
    case earliest
    case timestampMs(Int64)
    case position(StreamPosition)

    /// `latest` | `earliest` | an RFC 3339 instant | a position token.
    public init?(parsing text: String) {
        switch text {
        case "latest": self = .latest
        case "earliest": self = .earliest
        default:
            if let date = RFC3339.parse(text) {
                self = .timestampMs(RFC3339.milliseconds(of: date))
            } else if let position = StreamPosition(parsing: text) {
                self = .position(position)
            } else {
                return nil
            }
        }
    }
}
