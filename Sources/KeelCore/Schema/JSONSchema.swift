import Foundation

/// A compiled JSON Schema in Keel's supported subset (see docs/catalog.md).
///
/// Loading is strict: every keyword outside the subset (apart from pure annotations) is rejected,
/// keyword values are type-checked and `pattern`s compiled up front, so a typo in a catalog file
/// fails at load time rather than silently accepting everything. Equality and hashing follow the
/// schema document.
public struct JSONSchema: Sendable, Hashable {
    /// The schema document as given.
    public let document: JSONValue
    let root: SchemaNode

    /// Keywords that only annotate and never affect validation.
    public static let annotationKeywords: Set<String> = [
        "description", "title", "$comment", "examples", "default", "$schema", "$id",
    ]

    /// Keywords that validate.
    public static let supportedKeywords: Set<String> = [
        "type", "required", "properties", "additionalProperties", "enum", "const", "items", "minItems", "maxItems",
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "pattern", "format",
    ]

    /// Compiles `json`; the error's field is `schema` plus the JSON pointer of the bad keyword.
    public init(_ json: JSONValue) throws(EventValidationError) {
        self.document = json
        self.root = try SchemaNode(json, path: "")
    }

    /// Every violation of the schema by `value`, in document order (object members by sorted
    /// key), each with the JSON pointer of the offending value (`""` is the root).
    public func validate(_ value: JSONValue) -> [SchemaViolation] {
        var violations: [SchemaViolation] = []
        root.validate(value, path: "", into: &violations)
        return violations
    }

    /// Whether the schema accepts every value (`true` or `{}`, ignoring annotations).
    public var acceptsEverything: Bool { root.acceptsEverything }

    public static func == (lhs: JSONSchema, rhs: JSONSchema) -> Bool { lhs.document == rhs.document }
    public func hash(into hasher: inout Hasher) { hasher.combine(document) }
}

/// One way a value fails a schema.
public struct SchemaViolation: Sendable, Hashable, CustomStringConvertible {
    /// RFC 6901 JSON pointer to the failing value; `""` is the root.
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}
