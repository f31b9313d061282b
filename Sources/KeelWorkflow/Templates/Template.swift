import Foundation
import KeelCore

/// A JSON value whose strings may hold `{{…}}` placeholders, parsed once at registration.
///
/// Rendering follows Linq: a string that is exactly one placeholder becomes the value itself (an
/// object stays an object, a number a number); otherwise each placeholder is rendered into the
/// string (strings as is, other values as compact JSON). A path that names nothing, with no
/// fallback left, is an error naming the path — never a silent null.
public struct Template: Sendable, Hashable {
    /// The JSON as written, kept so a definition round-trips exactly.
    public let source: JSONValue
    let node: Node

    indirect enum Node: Sendable, Hashable {
        case literal(JSONValue)
        case whole(Placeholder)
        case text([Segment])
        case array([Node])
        case object([String: Node])
    }

    enum Segment: Sendable, Hashable {
        case text(String)
        case placeholder(Placeholder)
    }

    public init(parsing source: JSONValue) throws(TemplateSyntaxError) {
        self.source = source
        self.node = try Self.parse(source)
    }

    /// A template with no placeholders.
    public init(literal: JSONValue) {
        self.source = literal
        self.node = .literal(literal)
    }

    /// Every placeholder, in document order (for registration checks).
    public var placeholders: [Placeholder] {
        var result: [Placeholder] = []
        func walk(_ node: Node) {
            switch node {
            case .literal: break
            case .whole(let placeholder): result.append(placeholder)
            case .text(let segments):
                for case .placeholder(let placeholder) in segments { result.append(placeholder) }
            case .array(let nodes): nodes.forEach(walk)
            case .object(let members): members.values.forEach(walk)
            }
        }
        walk(node)
        return result
    }

    public func render(in context: RunContext) throws(TemplateError) -> JSONValue {
        try Self.render(node, in: context)
    }

    static func render(_ node: Node, in context: RunContext) throws(TemplateError) -> JSONValue {
        switch node {
        case .literal(let value): return value
        case .whole(let placeholder): return try context.resolve(placeholder)
        case .text(let segments):
            var text = ""
            for segment in segments {
                switch segment {
                case .text(let literal): text += literal
                case .placeholder(let placeholder):
                    let value = try context.resolve(placeholder)
                    if case .string(let string) = value { text += string } else { text += value.jsonString }
                }
            }
            return .string(text)
        case .array(let nodes):
            var values: [JSONValue] = []
            values.reserveCapacity(nodes.count)
            for child in nodes { values.append(try render(child, in: context)) }
            return .array(values)
        case .object(let members):
            var values: [String: JSONValue] = [:]
            for (key, child) in members { values[key] = try render(child, in: context) }
            return .object(values)
        }
    }

    static func parse(_ value: JSONValue) throws(TemplateSyntaxError) -> Node {
        switch value {
        case .string(let string):
            guard string.contains("{{") else { return .literal(value) }
            let segments = try segments(of: string)
            if segments.count == 1, case .placeholder(let placeholder) = segments[0] { return .whole(placeholder) }
            return .text(segments)
        case .array(let elements):
            var nodes: [Node] = []
            for element in elements { nodes.append(try parse(element)) }
            return nodes.allSatisfy(\.isLiteral) ? .literal(value) : .array(nodes)
        case .object(let members):
            var nodes: [String: Node] = [:]
            for (key, member) in members { nodes[key] = try parse(member) }
            return nodes.values.allSatisfy(\.isLiteral) ? .literal(value) : .object(nodes)
        default:
            return .literal(value)
        }
    }

    /// Splits a string into text and placeholders; `{{` opens, the matching `}}` closes (one level
    /// of nesting for fallbacks, as Linq allows).
    static func segments(of string: String) throws(TemplateSyntaxError) -> [Segment] {
        let characters = Array(string)
        var segments: [Segment] = []
        var text = ""
        var index = 0
        while index < characters.count {
            guard characters[index] == "{", index + 1 < characters.count, characters[index + 1] == "{" else {
                text.append(characters[index])
                index += 1
                continue
            }
            var depth = 1
            var cursor = index + 2
            var inner = ""
            while cursor < characters.count {
                if characters[cursor] == "{", cursor + 1 < characters.count, characters[cursor + 1] == "{" {
                    depth += 1
                    inner += "{{"
                    cursor += 2
                    continue
                }
                if characters[cursor] == "}", cursor + 1 < characters.count, characters[cursor + 1] == "}" {
                    depth -= 1
                    if depth == 0 { break }
                    inner += "}}"
                    cursor += 2
                    continue
                }
                inner.append(characters[cursor])
                cursor += 1
            }
            guard depth == 0 else { throw TemplateSyntaxError(message: "unclosed '{{' in '\(string)'") }
            if !text.isEmpty { segments.append(.text(text)) }
            text = ""
            switch Placeholder.parse(inner) {
            case .success(let placeholder): segments.append(.placeholder(placeholder))
            case .failure(let error): throw error
            }
            index = cursor + 2
        }
        if !text.isEmpty { segments.append(.text(text)) }
        return segments
    }
}

extension Template.Node {
    var isLiteral: Bool {
        if case .literal = self { return true }
        return false
    }
}

/// A template that could not be rendered: the placeholder and the path that named nothing.
public struct TemplateError: Error, Sendable, Hashable, CustomStringConvertible {
    public var placeholder: String
    public var path: String
    public var reason: String

    public var description: String { "{{\(placeholder)}}: \(path): \(reason)" }
}
