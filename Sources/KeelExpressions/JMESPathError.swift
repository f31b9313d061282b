/// Why a JMESPath expression was rejected or failed to evaluate.
///
/// `kind` names the class of error with the spellings the JMESPath compliance suite uses
/// (`syntax`, `invalid-type`, …), so callers can branch on it; `message` is for people. Syntax
/// errors carry the offset (in Unicode scalars from the start of the expression) of the token
/// that could not be used; evaluation errors have no offset.
public struct JMESPathError: Error, Sendable, Hashable, CustomStringConvertible {
    /// An open set of error classes: a struct rather than an enum so that adding a class later
    /// (an extension function, a new limit) does not break exhaustive switches in callers.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String

        public init(rawValue: String) {
            self.rawValue = rawValue
        }

        /// The text is not a JMESPath expression, or exceeds a length or nesting limit.
        public static let syntax = Kind(rawValue: "syntax")
        /// A function was given an argument of the wrong type.
        public static let invalidType = Kind(rawValue: "invalid-type")
        /// A function was called with the wrong number of arguments.
        public static let invalidArity = Kind(rawValue: "invalid-arity")
        /// A function name that is not one of the built-in functions.
        public static let unknownFunction = Kind(rawValue: "unknown-function")
        /// A value the grammar accepts but the semantics do not (a slice step of 0).
        public static let invalidValue = Kind(rawValue: "invalid-value")

        public var description: String { rawValue }
    }

    public var kind: Kind
    public var message: String
    public var offset: Int?

    public init(kind: Kind, message: String, offset: Int? = nil) {
        self.kind = kind
        self.message = message
        self.offset = offset
    }

    public var description: String {
        "JMESPath \(kind.rawValue) error: \(message)"
    }

    static func syntax(_ message: String, at offset: Int) -> JMESPathError {
        JMESPathError(kind: .syntax, message: "\(message) at offset \(offset)", offset: offset)
    }

    static func invalidType(_ message: String) -> JMESPathError {
        JMESPathError(kind: .invalidType, message: message)
    }
}
