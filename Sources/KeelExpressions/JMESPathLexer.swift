import KeelCore

/// Splits an expression into tokens. Works on Unicode scalars so that offsets in errors count
/// scalars, and so that identifiers and literals may contain any character.
struct JMESPathLexer {
    private let scalars: [Unicode.Scalar]
    private var position = 0

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
    }

    /// All tokens, ending with `.end`.
    mutating func tokenize() throws(JMESPathError) -> [JMESPathToken] {
        var tokens: [JMESPathToken] = []
        while true {
            skipWhitespace()
            let start = position
            guard let scalar = peek() else {
                tokens.append(JMESPathToken(kind: .end, offset: start))
                return tokens
            }
            tokens.append(JMESPathToken(kind: try nextKind(scalar, start: start), offset: start))
        }
    }

    private mutating func nextKind(_ scalar: Unicode.Scalar, start: Int) throws(JMESPathError) -> JMESPathToken.Kind {
        position += 1
        switch scalar {
        case "a"..."z", "A"..."Z", "_":
            while let next = peek(), Self.isIdentifierTail(next) { position += 1 }
            return .unquotedIdentifier(String(String.UnicodeScalarView(scalars[start..<position])))
        case "0"..."9", "-":
            return try number(start: start)
        case ".": return .dot
        case "*": return .star
        case "]": return .rightBracket
        case "{": return .leftBrace
        case "}": return .rightBrace
        case "(": return .leftParen
        case ")": return .rightParen
        case ",": return .comma
        case ":": return .colon
        case "@": return .current
        case "[":
            if consume("]") { return .flatten }
            if consume("?") { return .filter }
            return .leftBracket
        case "|": return consume("|") ? .or : .pipe
        case "&": return consume("&") ? .and : .expref
        case "!": return consume("=") ? .comparator(.notEqual) : .not
        case "<": return .comparator(consume("=") ? .lessOrEqual : .less)
        case ">": return .comparator(consume("=") ? .greaterOrEqual : .greater)
        case "=":
            guard consume("=") else { throw .syntax("expected '==' but found a single '='", at: start) }
            return .comparator(.equal)
        case "\"":
            let body = try delimitedBody(closing: "\"", start: start)
            return .quotedIdentifier(try JMESPathStringDecoder.decode(body, offset: start))
        case "'":
            // Raw strings: only \' is an escape; every other backslash is kept as written.
            let body = try delimitedBody(closing: "'", start: start)
            return .literal(.string(String(String.UnicodeScalarView(body)).replacingOccurrences(of: "\\'", with: "'")))
        case "`":
            let body = try delimitedBody(closing: "`", start: start)
            return .literal(try Self.jsonLiteral(String(String.UnicodeScalarView(body)), offset: start))
        default:
            throw .syntax("unexpected character '\(scalar.escaped(asASCII: true))'", at: start)
        }
    }

    private mutating func number(start: Int) throws(JMESPathError) -> JMESPathToken.Kind {
        while let next = peek(), ("0"..."9").contains(next) { position += 1 }
        let text = String(String.UnicodeScalarView(scalars[start..<position]))
        guard text != "-" else { throw .syntax("expected digits after '-'", at: start) }
        guard let value = Int(text) else { throw .syntax("number \(text) is out of range", at: start) }
        return .number(value)
    }

    /// The scalars up to the matching unescaped `closing` (consumed), with escapes left in place.
    private mutating func delimitedBody(closing: Unicode.Scalar, start: Int) throws(JMESPathError) -> ArraySlice<Unicode.Scalar> {
        let bodyStart = position
        while let scalar = peek() {
            if scalar == "\\" {
                position += 2
                continue
            }
            if scalar == closing {
                let body = scalars[bodyStart..<position]
                position += 1
                return body
            }
            position += 1
        }
        throw .syntax("unterminated \(closing) literal starting", at: start)
    }

    /// A backtick literal: JSON text (with "\`" for a backtick). Text that is not JSON is taken
    /// as the body of a JSON string, the legacy form the specification still requires.
    private static func jsonLiteral(_ raw: String, offset: Int) throws(JMESPathError) -> JSONValue {
        let text = raw.replacingOccurrences(of: "\\`", with: "`")
        if let value = try? JSONValue.parse(text) { return value }
        let legacy = "\"" + String(text.drop(while: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })) + "\""
        if let value = try? JSONValue.parse(legacy) { return value }
        throw .syntax("invalid JSON literal", at: offset)
    }

    private static func isIdentifierTail(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "_": return true
        default: return false
        }
    }

    private func peek() -> Unicode.Scalar? {
        position < scalars.count ? scalars[position] : nil
    }

    private mutating func consume(_ scalar: Unicode.Scalar) -> Bool {
        guard peek() == scalar else { return false }
        position += 1
        return true
    }

    private mutating func skipWhitespace() {
        while let scalar = peek(), scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" {
            position += 1
        }
    }
}
