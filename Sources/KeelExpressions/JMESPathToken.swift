import KeelCore

/// One lexical token of a JMESPath expression and the scalar offset where it starts.
struct JMESPathToken: Sendable {
    enum Kind: Sendable, Equatable {
        case unquotedIdentifier(String)
        case quotedIdentifier(String)
        /// A backtick JSON literal or a `'raw string'`, already decoded.
        case literal(JSONValue)
        /// A signed integer, only meaningful inside `[...]` (index and slice positions).
        case number(Int)
        case dot
        case star
        /// `[]`
        case flatten
        /// `[?`
        case filter
        case leftBracket
        case rightBracket
        case leftBrace
        case rightBrace
        case leftParen
        case rightParen
        case comma
        case colon
        case pipe
        case or
        case and
        /// `&` before an expression reference.
        case expref
        case not
        /// `@`
        case current
        case comparator(JMESPathComparator)
        case end
    }

    var kind: Kind
    var offset: Int

    /// The Pratt binding power of the token when it follows an expression (the table of the
    /// reference implementation): a token binds the expression on its left only while its power
    /// exceeds the caller's. Tokens that never continue an expression have 0.
    var bindingPower: Int {
        switch kind {
        case .pipe: return 1
        case .or: return 2
        case .and: return 3
        case .comparator: return 5
        case .flatten: return 9
        case .star: return 20
        case .filter: return 21
        case .dot: return 40
        case .not: return 45
        case .leftBrace: return 50
        case .leftBracket: return 55
        case .leftParen: return 60
        default: return 0
        }
    }

    /// A short human name for error messages.
    var displayName: String {
        switch kind {
        case .unquotedIdentifier(let name): return "identifier '\(name)'"
        case .quotedIdentifier(let name): return "quoted identifier \"\(name)\""
        case .literal: return "literal"
        case .number(let value): return "number \(value)"
        case .dot: return "'.'"
        case .star: return "'*'"
        case .flatten: return "'[]'"
        case .filter: return "'[?'"
        case .leftBracket: return "'['"
        case .rightBracket: return "']'"
        case .leftBrace: return "'{'"
        case .rightBrace: return "'}'"
        case .leftParen: return "'('"
        case .rightParen: return "')'"
        case .comma: return "','"
        case .colon: return "':'"
        case .pipe: return "'|'"
        case .or: return "'||'"
        case .and: return "'&&'"
        case .expref: return "'&'"
        case .not: return "'!'"
        case .current: return "'@'"
        case .comparator(let comparator): return "'\(comparator.rawValue)'"
        case .end: return "end of expression"
        }
    }
}

/// The six comparison operators.
enum JMESPathComparator: String, Sendable {
    case equal = "=="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
}
