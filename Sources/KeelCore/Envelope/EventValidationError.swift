/// Why an event was refused: the attribute (or `data/<json-pointer>`, `topic`, ...) at fault and a
/// human-readable rule it broke. Suitable for an RFC 9457 problem's `detail` and for CLI output.
public struct EventValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var field: String
    public var reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(field): \(reason)" }
}
