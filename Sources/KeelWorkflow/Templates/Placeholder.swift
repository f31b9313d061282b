import KeelCore

/// The inside of one `{{…}}`: a path, with `??` fallbacks tried left to right.
///
/// Linq's grammar: `step1.result.items[0].name`, `steps.step1.output.x`, `params.x`, and fallbacks
/// that are literals (JSON, `true`, `null`, numbers, quoted strings) or other paths, written bare or
/// as one nested `{{…}}`.
public struct Placeholder: Sendable, Hashable {
    public var alternatives: [Alternative]
    public var text: String

    public enum Alternative: Sendable, Hashable {
        case path(ContextPath)
        case literal(JSONValue)
    }

    public static func parse(_ text: String) -> Result<Placeholder, TemplateSyntaxError> {
        var alternatives: [Alternative] = []
        for rawPart in splitFallbacks(text) {
            var part = rawPart.trimmed
            if part.hasPrefix("{{") && part.hasSuffix("}}") && part.count >= 4 {
                part = String(part.dropFirst(2).dropLast(2)).trimmed
            }
            if part.isEmpty { return .failure(TemplateSyntaxError(message: "empty placeholder part in '{{\(text)}}'")) }
            if let literal = literal(part) {
                alternatives.append(.literal(literal))
            } else {
                switch ContextPath.parse(part) {
                case .success(let path): alternatives.append(.path(path))
                case .failure(let error): return .failure(error)
                }
            }
        }
        if alternatives.isEmpty { return .failure(TemplateSyntaxError(message: "empty placeholder '{{}}'")) }
        return .success(Placeholder(alternatives: alternatives, text: text))
    }

    /// Splits on `??` outside quotes and outside a nested `{{…}}`.
    static func splitFallbacks(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var quote: Character?
        var depth = 0
        let characters = Array(text)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if let open = quote {
                if character == open { quote = nil }
                current.append(character)
            } else if character == "\"" || character == "'" {
                quote = character
                current.append(character)
            } else if character == "{", index + 1 < characters.count, characters[index + 1] == "{" {
                depth += 1
                current += "{{"
                index += 1
            } else if character == "}", index + 1 < characters.count, characters[index + 1] == "}", depth > 0 {
                depth -= 1
                current += "}}"
                index += 1
            } else if character == "?", depth == 0, index + 1 < characters.count, characters[index + 1] == "?" {
                parts.append(current)
                current = ""
                index += 1
            } else {
                current.append(character)
            }
            index += 1
        }
        parts.append(current)
        return parts
    }

    /// A literal fallback: quoted strings, `true`/`false`/`null`, numbers, or JSON objects/arrays.
    static func literal(_ text: String) -> JSONValue? {
        if text.count >= 2, let first = text.first, first == "'" || first == "\"", text.last == first {
            return .string(String(text.dropFirst().dropLast()))
        }
        if text == "true" { return .bool(true) }
        if text == "false" { return .bool(false) }
        if text == "null" { return .null }
        if let first = text.first, first == "-" || first.isNumber || first == "[" || first == "{" {
            return try? JSONValue.parse(text)
        }
        return nil
    }
}

/// A path into the run context: a root name and member/index steps.
public struct ContextPath: Sendable, Hashable, CustomStringConvertible {
    public var root: String
    public var components: [Component]

    public enum Component: Sendable, Hashable {
        case member(String)
        case index(Int)
    }

    public var description: String {
        var text = root
        for component in components {
            switch component {
            case .member(let name): text += "." + name
            case .index(let index): text += "[\(index)]"
            }
        }
        return text
    }

    /// The step a path reads, if any: `stepN.result…`/`stepN.output…` or `steps.stepN…`.
    public func referencedStep(knownSteps: Set<String>) -> String? {
        if root == "steps", case .member(let id)? = components.first { return id }
        if knownSteps.contains(root) { return root }
        return nil
    }

    static func parse(_ text: String) -> Result<ContextPath, TemplateSyntaxError> {
        let characters = Array(text)
        var index = 0
        func name() -> String {
            var result = ""
            while index < characters.count, isNameCharacter(characters[index]) {
                result.append(characters[index])
                index += 1
            }
            return result
        }
        let root = name()
        guard !root.isEmpty else { return .failure(TemplateSyntaxError(message: "'\(text)' is not a path")) }
        var components: [Component] = []
        while index < characters.count {
            if characters[index] == "." {
                index += 1
                let member = name()
                guard !member.isEmpty else {
                    return .failure(TemplateSyntaxError(message: "'\(text)': a name must follow '.'"))
                }
                components.append(.member(member))
            } else if characters[index] == "[" {
                index += 1
                var digits = ""
                while index < characters.count, characters[index].isNumber || characters[index] == "-" {
                    digits.append(characters[index])
                    index += 1
                }
                guard index < characters.count, characters[index] == "]", let number = Int(digits) else {
                    return .failure(TemplateSyntaxError(message: "'\(text)': expected an index like [0]"))
                }
                index += 1
                components.append(.index(number))
            } else {
                return .failure(TemplateSyntaxError(message: "'\(text)' is not a path (unexpected '\(characters[index])')"))
            }
        }
        return .success(ContextPath(root: root, components: components))
    }

    static func isNameCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || character == "_" || character == "-" || character == "$"
    }
}

/// A template that cannot be parsed.
public struct TemplateSyntaxError: Error, Sendable, Hashable {
    public var message: String
}
