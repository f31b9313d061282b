import KeelCore
import KeelExpressions

/// A step's `condition` or a jump's `when`.
///
/// Two syntaxes, told apart by the text: one holding a `{{…}}` placeholder is a **Linq condition**
/// (`a == b`, `a != b`, a leading `!`, or truthiness; both sides compared as lower-case strings; an
/// unresolved placeholder counts as false — Linq's rule, and the one place a missing path is not an
/// error); anything else is a **JMESPath** expression over the run context, true when its result is
/// JMESPath-truthy (not null, false, "", [] or {}).
public struct Condition: Sendable, Hashable {
    public let text: String
    let form: Form

    enum Form: Sendable, Hashable {
        case linqCompare(Template, Template, equal: Bool)
        case linqTruthy(Template, negated: Bool)
        case jmespath(JMESPathExpression)
    }

    public init(parsing text: String) throws(ConditionSyntaxError) {
        self.text = text
        if text.contains("{{") {
            do {
                if let range = text.range(of: " == ") ?? text.range(of: " != ") {
                    let equal = text[range] == " == "
                    let left = try Template(parsing: .string(String(text[..<range.lowerBound]).trimmed))
                    let right = try Template(parsing: .string(String(text[range.upperBound...]).trimmed))
                    form = .linqCompare(left, right, equal: equal)
                } else {
                    var body = text.trimmed
                    let negated = body.hasPrefix("!")
                    if negated { body = String(body.dropFirst()).trimmed }
                    form = .linqTruthy(try Template(parsing: .string(body)), negated: negated)
                }
            } catch {
                throw ConditionSyntaxError(message: error.message)
            }
        } else {
            do {
                form = .jmespath(try JMESPathExpression(text))
            } catch {
                throw ConditionSyntaxError(message: "JMESPath: \(error.message)")
            }
        }
    }

    /// The Linq placeholders in the condition (for registration checks); none for JMESPath.
    public var placeholders: [Placeholder] {
        switch form {
        case .linqCompare(let left, let right, _): return left.placeholders + right.placeholders
        case .linqTruthy(let template, _): return template.placeholders
        case .jmespath: return []
        }
    }

    public func evaluate(in context: RunContext) throws(ConditionError) -> Bool {
        switch form {
        case .linqCompare(let left, let right, let equal):
            let same = Self.normalised(Self.lenient(left, context)) == Self.normalised(Self.lenient(right, context))
            return same == equal
        case .linqTruthy(let template, let negated):
            let truthy = Self.linqTruthy(Self.lenient(template, context))
            return truthy != negated
        case .jmespath(let expression):
            do {
                return JMESPathExpression.isTruthy(try expression.evaluate(context.json))
            } catch {
                throw ConditionError(condition: text, message: error.message)
            }
        }
    }

    /// Renders a Linq side; an unresolved placeholder is null.
    static func lenient(_ template: Template, _ context: RunContext) -> JSONValue {
        (try? template.render(in: context)) ?? .null
    }

    /// Linq compares sides as lower-case strings; null, empty and unresolved are "false".
    static func normalised(_ value: JSONValue) -> String {
        switch value {
        case .null: return "false"
        case .bool(let flag): return flag ? "true" : "false"
        case .string(let text):
            var trimmed = text.trimmed
            if trimmed.count >= 2, let first = trimmed.first, first == "'" || first == "\"", trimmed.last == first {
                trimmed = String(trimmed.dropFirst().dropLast())
            }
            return trimmed.isEmpty ? "false" : trimmed.lowercased()
        default: return value.jsonString.lowercased()
        }
    }

    /// Linq truthiness: false, 0, empty and null are false.
    static func linqTruthy(_ value: JSONValue) -> Bool {
        switch value {
        case .null: return false
        case .bool(let flag): return flag
        case .int(let number): return number != 0
        case .double(let number): return number != 0
        case .string(let text):
            let normal = text.trimmed.lowercased()
            return !(normal.isEmpty || normal == "false" || normal == "0" || normal == "null")
        case .array(let elements): return !elements.isEmpty
        case .object(let members): return !members.isEmpty
        }
    }
}

public struct ConditionSyntaxError: Error, Sendable, Hashable {
    public var message: String
}

/// A condition that could not be evaluated (a JMESPath runtime error such as a type mismatch).
public struct ConditionError: Error, Sendable, Hashable, CustomStringConvertible {
    public var condition: String
    public var message: String
    public var description: String { "condition '\(condition)': \(message)" }
}

extension String {
    var trimmed: String {
        var slice = self[...]
        while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
        return String(slice)
    }
}
