import KeelCore

/// A compiled JMESPath expression (https://jmespath.org/specification), Keel's one expression
/// language: workflow conditions, templates and projections all evaluate these.
///
/// Compiling checks everything that does not depend on the data: syntax, function names and
/// argument counts, slice steps, and the size limits below. The compiled form is immutable, so
/// one value can be evaluated concurrently from any number of tasks. Equality and hashing are
/// by `text`.
///
/// Hostile input is bounded: the text may be at most `maximumLength` UTF-8 bytes, and the parser
/// refuses nesting beyond its limits, so neither compiling nor evaluating can exhaust the stack.
/// (Documents are bounded separately: `JSONLimits.maximumDepth` applies to parsed JSON.)
public struct JMESPathExpression: Sendable, Hashable {
    /// The longest accepted expression text, in UTF-8 bytes.
    public static let maximumLength = 4096

    public let text: String
    private let root: JMESPathNode

    /// Compiles `text`. Syntax errors (kind `.syntax`) carry the offset, in Unicode scalars, of
    /// the offending token; unknown functions and wrong argument counts are reported here too,
    /// with kinds `.unknownFunction` and `.invalidArity`, and a zero slice step as `.invalidValue`.
    public init(_ text: String) throws(JMESPathError) {
        if text.utf8.count > Self.maximumLength {
            throw .syntax("expression is longer than \(Self.maximumLength) bytes", at: Self.scalarOffset(ofByte: Self.maximumLength, in: text))
        }
        var lexer = JMESPathLexer(text)
        var parser = JMESPathParser(tokens: try lexer.tokenize())
        self.text = text
        self.root = try parser.parse()
    }

    /// Evaluates the expression against `value`. Missing members and mismatched shapes give
    /// `null`, as the specification says; only function calls fail, with `.invalidType` when an
    /// argument has the wrong type.
    public func evaluate(_ value: JSONValue) throws(JMESPathError) -> JSONValue {
        try JMESPathInterpreter.evaluate(root, value)
    }

    /// JMESPath truthiness: `null`, `false`, `""`, `[]` and `{}` are false; everything else,
    /// including `0`, is true.
    public static func isTruthy(_ value: JSONValue) -> Bool {
        switch value {
        case .null: return false
        case .bool(let flag): return flag
        case .string(let string): return !string.isEmpty
        case .array(let elements): return !elements.isEmpty
        case .object(let members): return !members.isEmpty
        case .int, .double: return true
        }
    }

    public static func == (lhs: JMESPathExpression, rhs: JMESPathExpression) -> Bool {
        lhs.text == rhs.text
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(text)
    }

    private static func scalarOffset(ofByte byteOffset: Int, in text: String) -> Int {
        var bytes = 0
        var scalars = 0
        for scalar in text.unicodeScalars {
            bytes += UTF8.width(scalar)
            if bytes > byteOffset { break }
            scalars += 1
        }
        return scalars
    }
}
