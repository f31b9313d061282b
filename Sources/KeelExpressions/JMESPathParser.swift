/// A Pratt (top-down operator precedence) parser producing `JMESPathNode` trees, following the
/// grammar and binding powers of the reference implementation.
///
/// Guarantees: recursion is bounded by `maximumNesting` (each nested sub-expression counts one)
/// and every tree it returns is at most `maximumDepth` deep, so neither parsing nor evaluation
/// can exhaust the stack whatever the input.
struct JMESPathParser {
    /// The deepest recursion of `expression(_:)`; beyond it the text is rejected.
    static let maximumNesting = 128
    /// The deepest tree accepted (left-nested chains such as `a[0][0]…` grow the tree without
    /// recursing in the parser, so this is checked separately).
    static let maximumDepth = 256
    /// Projections stop at tokens that bind less than this (`|`, `||`, `&&`, comparators, `[]`).
    private static let projectionStop = 10

    private let tokens: [JMESPathToken]
    private var index = 0
    private var nesting = 0

    init(tokens: [JMESPathToken]) {
        self.tokens = tokens
    }

    mutating func parse() throws(JMESPathError) -> JMESPathNode {
        let node = try expression(0)
        guard case .end = current.kind else { throw unexpected() }
        return node
    }

    // MARK: - Pratt core

    private mutating func expression(_ rightBindingPower: Int) throws(JMESPathError) -> JMESPathNode {
        nesting += 1
        defer { nesting -= 1 }
        guard nesting <= Self.maximumNesting else {
            throw .syntax("expression nests more than \(Self.maximumNesting) levels deep", at: current.offset)
        }
        let token = current
        advance()
        var left = try prefix(token)
        while rightBindingPower < current.bindingPower {
            let next = current
            advance()
            left = try infix(next, left: left)
        }
        return left
    }

    /// Tokens that start an expression ("nud").
    private mutating func prefix(_ token: JMESPathToken) throws(JMESPathError) -> JMESPathNode {
        switch token.kind {
        case .literal(let value):
            return try make(.literal(value), token)
        case .unquotedIdentifier(let name):
            return try make(.field(name), token)
        case .quotedIdentifier(let name):
            if case .leftParen = current.kind { throw .syntax("a function name cannot be quoted", at: token.offset) }
            return try make(.field(name), token)
        case .star:
            let right = try projectionRight(token.bindingPower)
            return try make(.objectProjection(JMESPathNode(.current), right), token)
        case .filter:
            return try filter(left: JMESPathNode(.current), token)
        case .leftBrace:
            return try multiSelectHash(token)
        case .leftParen:
            let inner = try expression(0)
            try expect(.rightParen, "')'")
            return inner
        case .flatten:
            let flattened = try make(.flatten(JMESPathNode(.current)), token)
            return try make(.listProjection(flattened, try projectionRight(token.bindingPower)), token)
        case .not:
            return try make(.not(try expression(token.bindingPower)), token)
        case .leftBracket:
            if isIndexStart { return try indexOrSlice(left: JMESPathNode(.current), token) }
            if case .star = current.kind, case .rightBracket = peek(1).kind {
                advance()
                advance()
                return try make(.listProjection(JMESPathNode(.current), try projectionRight(20)), token)
            }
            return try multiSelectList(token)
        case .current:
            return try make(.current, token)
        case .expref:
            return try make(.expressionReference(try expression(0)), token)
        case .end:
            throw .syntax("unexpected end of expression", at: token.offset)
        default:
            throw .syntax("unexpected \(token.displayName)", at: token.offset)
        }
    }

    /// Tokens that continue an expression ("led").
    private mutating func infix(_ token: JMESPathToken, left: JMESPathNode) throws(JMESPathError) -> JMESPathNode {
        switch token.kind {
        case .dot:
            if case .star = current.kind {
                advance()
                return try make(.objectProjection(left, try projectionRight(token.bindingPower)), token)
            }
            return try make(.subexpression(left, try dotRight(token.bindingPower)), token)
        case .pipe:
            return try make(.pipe(left, try expression(token.bindingPower)), token)
        case .or:
            return try make(.or(left, try expression(token.bindingPower)), token)
        case .and:
            return try make(.and(left, try expression(token.bindingPower)), token)
        case .comparator(let comparator):
            return try make(.comparison(comparator, left, try expression(token.bindingPower)), token)
        case .leftParen:
            return try functionCall(name: left, token)
        case .leftBracket:
            if isIndexStart { return try indexOrSlice(left: left, token) }
            try expect(.star, "'*' or an index")
            try expect(.rightBracket, "']'")
            return try make(.listProjection(left, try projectionRight(20)), token)
        case .flatten:
            let flattened = try make(.flatten(left), token)
            return try make(.listProjection(flattened, try projectionRight(token.bindingPower)), token)
        case .filter:
            return try filter(left: left, token)
        default:
            throw .syntax("unexpected \(token.displayName)", at: token.offset)
        }
    }

    // MARK: - Helpers for the pieces of the grammar

    /// What follows a projection: nothing (an implicit `@`) when the next token binds too
    /// loosely, otherwise a bracket, filter or dot continuation.
    private mutating func projectionRight(_ bindingPower: Int) throws(JMESPathError) -> JMESPathNode {
        if current.bindingPower < Self.projectionStop { return JMESPathNode(.current) }
        switch current.kind {
        case .leftBracket, .filter:
            return try expression(bindingPower)
        case .dot:
            advance()
            return try dotRight(bindingPower)
        default:
            throw unexpected()
        }
    }

    /// What may follow a `.`: an identifier, `*`, a multi-select list or a multi-select hash.
    private mutating func dotRight(_ bindingPower: Int) throws(JMESPathError) -> JMESPathNode {
        let token = current
        switch token.kind {
        case .unquotedIdentifier, .quotedIdentifier, .star:
            return try expression(bindingPower)
        case .leftBracket:
            advance()
            return try multiSelectList(token)
        case .leftBrace:
            advance()
            return try multiSelectHash(token)
        default:
            throw .syntax("expected an identifier, '*', '[' or '{' after '.' but found \(token.displayName)", at: token.offset)
        }
    }

    private mutating func filter(left: JMESPathNode, _ token: JMESPathToken) throws(JMESPathError) -> JMESPathNode {
        let condition = try expression(0)
        try expect(.rightBracket, "']'")
        let right: JMESPathNode
        if case .flatten = current.kind {
            right = JMESPathNode(.current)
        } else {
            right = try projectionRight(token.bindingPower)
        }
        return try make(.filterProjection(left, right, condition: condition), token)
    }

    private var isIndexStart: Bool {
        switch current.kind {
        case .number, .colon: return true
        default: return false
        }
    }

    /// `[n]` or `[start:stop:step]` after `left`; a slice starts a projection.
    private mutating func indexOrSlice(left: JMESPathNode, _ token: JMESPathToken) throws(JMESPathError) -> JMESPathNode {
        let right: JMESPathNode
        if case .colon = current.kind {
            right = try slice(token)
        } else if case .colon = peek(1).kind {
            right = try slice(token)
        } else {
            guard case .number(let value) = current.kind else { throw unexpected() }
            advance()
            try expect(.rightBracket, "']'")
            right = try make(.index(value), token)
        }
        let indexed = try make(.subexpression(left, right), token)
        guard right.isSlice else { return indexed }
        return try make(.listProjection(indexed, try projectionRight(20)), token)
    }

    private mutating func slice(_ token: JMESPathToken) throws(JMESPathError) -> JMESPathNode {
        var parts: [Int?] = [nil, nil, nil]
        var part = 0
        while true {
            switch current.kind {
            case .rightBracket:
                advance()
                let step = parts[2] ?? 1
                guard step != 0 else {
                    throw JMESPathError(kind: .invalidValue, message: "slice step cannot be 0 at offset \(token.offset)", offset: token.offset)
                }
                return try make(.slice(start: parts[0], stop: parts[1], step: step), token)
            case .colon:
                part += 1
                guard part < 3 else { throw .syntax("too many ':' in slice", at: current.offset) }
            case .number(let value):
                guard parts[part] == nil else { throw .syntax("expected ':' or ']' in slice", at: current.offset) }
                parts[part] = value
            default:
                throw .syntax("expected a number, ':' or ']' in slice but found \(current.displayName)", at: current.offset)
            }
            advance()
        }
    }

    private mutating func multiSelectList(_ token: JMESPathToken) throws(JMESPathError) -> JMESPathNode {
        var elements: [JMESPathNode] = []
        while true {
            elements.append(try expression(0))
            if case .rightBracket = current.kind { break }
            try expect(.comma, "',' or ']'")
        }
        advance()
        return try make(.multiSelectList(elements), token)
    }

    private mutating func multiSelectHash(_ token: JMESPathToken) throws(JMESPathError) -> JMESPathNode {
        var pairs: [(key: String, value: JMESPathNode)] = []
        while true {
            let key: String
            switch current.kind {
            case .unquotedIdentifier(let name), .quotedIdentifier(let name): key = name
            default: throw .syntax("expected a key in multi-select hash but found \(current.displayName)", at: current.offset)
            }
            advance()
            try expect(.colon, "':'")
            pairs.append((key, try expression(0)))
            if case .rightBrace = current.kind { break }
            try expect(.comma, "',' or '}'")
        }
        advance()
        return try make(.multiSelectHash(pairs), token)
    }

    private mutating func functionCall(name: JMESPathNode, _ token: JMESPathToken) throws(JMESPathError) -> JMESPathNode {
        guard case .field(let functionName) = name.kind else {
            throw .syntax("only a plain identifier can be called as a function", at: token.offset)
        }
        var arguments: [JMESPathNode] = []
        if case .rightParen = current.kind {
            advance()
        } else {
            while true {
                arguments.append(try expression(0))
                if case .rightParen = current.kind { break }
                try expect(.comma, "',' or ')'")
            }
            advance()
        }
        // Unknown names and wrong argument counts are found here, once, rather than on every
        // evaluation (and whether or not the call is reached).
        let function = try JMESPathFunction.resolve(functionName, argumentCount: arguments.count)
        return try make(.function(function, arguments), token)
    }

    // MARK: - Token plumbing

    private var current: JMESPathToken { tokens[index] }

    private func peek(_ distance: Int) -> JMESPathToken {
        tokens[min(index + distance, tokens.count - 1)]
    }

    private mutating func advance() {
        if index < tokens.count - 1 { index += 1 }
    }

    private mutating func expect(_ kind: JMESPathToken.Kind, _ description: String) throws(JMESPathError) {
        guard current.kind == kind else {
            throw .syntax("expected \(description) but found \(current.displayName)", at: current.offset)
        }
        advance()
    }

    private func unexpected() -> JMESPathError {
        .syntax("unexpected \(current.displayName)", at: current.offset)
    }

    private func make(_ kind: JMESPathNode.Kind, _ token: JMESPathToken) throws(JMESPathError) -> JMESPathNode {
        let node = JMESPathNode(kind)
        guard node.depth <= Self.maximumDepth else {
            throw .syntax("expression nests more than \(Self.maximumDepth) levels deep", at: token.offset)
        }
        return node
    }
}
