/// Why a tenant or API-key command was refused: a machine-readable `code` (which the gateway maps
/// to an HTTP status), the request field at fault when there is one, and a sentence for people.
///
/// Deciders throw only this type, so callers can map every refusal without a catch-all.
public struct AccessError: Error, Sendable, Hashable, CustomStringConvertible {
    /// An extensible set of refusal kinds (a struct, not an enum, so adding one is not a breaking
    /// change for code that switches over the known ones with a default).
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// The command is malformed or breaks a rule (HTTP 400/422).
        public static let invalid = Code(rawValue: "invalid")
        /// The command contradicts the current state, e.g. creating what exists (HTTP 409).
        public static let conflict = Code(rawValue: "conflict")
        /// The entity the command is about does not exist (HTTP 404).
        public static let notFound = Code(rawValue: "not-found")
        /// The entity existed but is permanently finished, e.g. a revoked key (HTTP 410).
        public static let gone = Code(rawValue: "gone")

        public var description: String { rawValue }
    }

    public var code: Code
    /// The command field at fault (`name`, `allowedTypes[2]`, …), when one is.
    public var field: String?
    public var message: String

    public init(_ code: Code, field: String? = nil, _ message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    public var description: String {
        if let field { return "\(code): \(field): \(message)" }
        return "\(code): \(message)"
    }
}
