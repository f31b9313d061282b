/// Why a definition was refused: every problem found, each pointing at its field.
public struct DefinitionError: Error, Sendable, Hashable, CustomStringConvertible {
    public var issues: [DefinitionIssue]

    public init(_ issues: [DefinitionIssue]) { self.issues = issues }

    public var description: String { issues.map(\.description).joined(separator: "; ") }
}

/// One problem in a definition: an RFC 6901 pointer into the submitted document and what is wrong.
public struct DefinitionIssue: Sendable, Hashable, CustomStringConvertible {
    public var pointer: String
    public var message: String

    public init(_ pointer: String, _ message: String) {
        self.pointer = pointer
        self.message = message
    }

    public var description: String { "\(pointer.isEmpty ? "/" : pointer): \(message)" }
}
