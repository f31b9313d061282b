/// Why and where a JSON text was rejected.
///
/// `offset` is the 0-based byte offset of the offending byte; `line` and `column` are 1-based
/// and count bytes (a column is a byte position within its line, not a character position).
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var offset: Int
    public var line: Int
    public var column: Int

    public init(message: String, offset: Int, line: Int, column: Int) {
        self.message = message
        self.offset = offset
        self.line = line
        self.column = column
    }

    public var description: String {
        "invalid JSON at line \(line), column \(column) (byte \(offset)): \(message)"
    }
}
