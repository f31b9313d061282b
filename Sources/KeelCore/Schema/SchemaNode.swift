import Foundation

/// The JSON types the `type` keyword names.
enum SchemaType: String, Sendable, CaseIterable {
    case null, boolean, integer, number, string, array, object

    func matches(_ value: JSONValue) -> Bool {
        switch (self, value) {
        case (.null, .null), (.boolean, .bool), (.string, .string), (.array, .array), (.object, .object): return true
        case (.number, .int), (.number, .double), (.integer, .int): return true
        // JSON Schema: an integer is any number with a zero fractional part, so 2.0 counts.
        case (.integer, .double(let number)): return number == number.rounded()
        default: return false
        }
    }
}

/// A compiled schema node. Immutable, so sharing between tasks is safe.
final class SchemaNode: Sendable {
    enum Additional: Sendable {
        case allowed, forbidden
        case schema(SchemaNode)
    }

    /// `false` as a schema: nothing validates.
    let rejectsEverything: Bool
    let types: [SchemaType]?
    let required: [String]
    let properties: [(String, SchemaNode)]  // sorted by name, for deterministic violation order
    let additional: Additional
    let enumValues: [JSONValue]?
    let constValue: JSONValue?
    let items: SchemaNode?
    let minItems: Int?
    let maxItems: Int?
    let minimum: JSONValue?
    let maximum: JSONValue?
    let exclusiveMinimum: JSONValue?
    let exclusiveMaximum: JSONValue?
    let minLength: Int?
    let maxLength: Int?
    let pattern: (source: String, regex: NSRegularExpression)?
    let format: String?

    init(_ json: JSONValue, path: String) throws(EventValidationError) {
        func fail(_ keyword: String, _ reason: String) -> EventValidationError {
            EventValidationError(field: "schema" + JSONPointer.appending(path, keyword), reason: reason)
        }
        let members: [String: JSONValue]
        switch json {
        case .bool(let flag):
            members = [:]
            rejectsEverything = !flag
        case .object(let object):
            members = object
            rejectsEverything = false
        default:
            throw EventValidationError(field: "schema" + path, reason: "a schema must be an object or a boolean")
        }
        for keyword in members.keys.sorted()
        where !JSONSchema.supportedKeywords.contains(keyword) && !JSONSchema.annotationKeywords.contains(keyword) {
            throw fail(keyword, "unsupported keyword (supported: \(JSONSchema.supportedKeywords.sorted().joined(separator: ", ")))")
        }
        func count(_ keyword: String) throws(EventValidationError) -> Int? {
            guard let value = members[keyword] else { return nil }
            guard case .int(let number) = value, number >= 0, number <= Int64(Int32.max) else {
                throw fail(keyword, "must be a non-negative integer")
            }
            return Int(number)
        }
        func number(_ keyword: String) throws(EventValidationError) -> JSONValue? {
            guard let value = members[keyword] else { return nil }
            guard value.doubleValue != nil else { throw fail(keyword, "must be a number") }
            return value
        }

        switch members["type"] {
        case nil:
            types = nil
        case .string(let name)?:
            guard let type = SchemaType(rawValue: name) else { throw fail("type", "unknown type '\(name)'") }
            types = [type]
        case .array(let names)?:
            var parsed: [SchemaType] = []
            for name in names {
                guard let text = name.stringValue, let type = SchemaType(rawValue: text), !parsed.contains(type) else {
                    throw fail("type", "must list distinct type names (\(SchemaType.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                parsed.append(type)
            }
            guard !parsed.isEmpty else { throw fail("type", "must not be empty") }
            types = parsed
        default:
            throw fail("type", "must be a type name or an array of type names")
        }

        if let value = members["required"] {
            guard let names = value.arrayValue?.compactMap(\.stringValue), names.count == value.arrayValue?.count,
                Set(names).count == names.count
            else { throw fail("required", "must be an array of distinct strings") }
            required = names
        } else {
            required = []
        }

        if let value = members["properties"] {
            guard let object = value.objectValue else { throw fail("properties", "must be an object of schemas") }
            var compiled: [(String, SchemaNode)] = []
            for name in object.keys.sorted() {
                let childPath = JSONPointer.appending(JSONPointer.appending(path, "properties"), name)
                compiled.append((name, try SchemaNode(object[name]!, path: childPath)))
            }
            properties = compiled
        } else {
            properties = []
        }

        switch members["additionalProperties"] {
        case nil, .bool(true)?: additional = .allowed
        case .bool(false)?: additional = .forbidden
        case let schema?: additional = .schema(try SchemaNode(schema, path: JSONPointer.appending(path, "additionalProperties")))
        }

        if let value = members["enum"] {
            guard let values = value.arrayValue, !values.isEmpty else { throw fail("enum", "must be a non-empty array") }
            enumValues = values
        } else {
            enumValues = nil
        }
        constValue = members["const"]
        items = try members["items"].map { (schema) throws(EventValidationError) -> SchemaNode in
            guard schema.arrayValue == nil else { throw fail("items", "must be a single schema (tuple form is not supported)") }
            return try SchemaNode(schema, path: JSONPointer.appending(path, "items"))
        }
        minItems = try count("minItems")
        maxItems = try count("maxItems")
        minimum = try number("minimum")
        maximum = try number("maximum")
        exclusiveMinimum = try number("exclusiveMinimum")
        exclusiveMaximum = try number("exclusiveMaximum")
        minLength = try count("minLength")
        maxLength = try count("maxLength")

        if let value = members["pattern"] {
            guard let source = value.stringValue else { throw fail("pattern", "must be a string") }
            do {
                pattern = (source, try NSRegularExpression(pattern: source))
            } catch {
                throw fail("pattern", "is not a valid regular expression: \(source)")
            }
        } else {
            pattern = nil
        }
        if let value = members["format"] {
            guard let name = value.stringValue, SchemaFormat.supported.contains(name) else {
                throw fail("format", "unsupported format (supported: \(SchemaFormat.supported.sorted().joined(separator: ", ")))")
            }
            format = name
        } else {
            format = nil
        }
    }

    var acceptsEverything: Bool {
        !rejectsEverything && types == nil && required.isEmpty && properties.isEmpty
            && { if case .allowed = additional { return true } else { return false } }()
            && enumValues == nil && constValue == nil && items == nil && minItems == nil && maxItems == nil
            && minimum == nil && maximum == nil && exclusiveMinimum == nil && exclusiveMaximum == nil
            && minLength == nil && maxLength == nil && pattern == nil && format == nil
    }
}
