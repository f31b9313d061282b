import Foundation

extension SchemaNode {
    func validate(_ value: JSONValue, path: String, into violations: inout [SchemaViolation]) {
        func report(_ message: String) { violations.append(SchemaViolation(path: path, message: message)) }
        if rejectsEverything {
            report("no value is allowed here")
            return
        }
        if let types, !types.contains(where: { $0.matches(value) }) {
            // A wrong type makes every other keyword's message noise; stop here.
            report("must be \(types.map { Self.article($0.rawValue) }.joined(separator: " or ")), got \(CloudEvent.kind(of: value))")
            return
        }
        if let constValue, !value.isJSONEqual(to: constValue) {
            report("must be \(constValue.jsonString)")
        }
        if let enumValues, !enumValues.contains(where: { value.isJSONEqual(to: $0) }) {
            report("must be one of \(enumValues.map(\.jsonString).joined(separator: ", "))")
        }
        switch value {
        case .int, .double:
            validateNumber(value, report: report)
        case .string(let text):
            validateString(text, report: report)
        case .array(let elements):
            if let minItems, elements.count < minItems { report("must have at least \(minItems) items") }
            if let maxItems, elements.count > maxItems { report("must have at most \(maxItems) items") }
            if let items {
                for (index, element) in elements.enumerated() {
                    items.validate(element, path: path + "/\(index)", into: &violations)
                }
            }
        case .object(let members):
            for name in required where members[name] == nil {
                violations.append(SchemaViolation(path: JSONPointer.appending(path, name), message: "is required"))
            }
            for (name, schema) in properties {
                if let member = members[name] {
                    schema.validate(member, path: JSONPointer.appending(path, name), into: &violations)
                }
            }
            let declared = Set(properties.map(\.0))
            for name in members.keys.sorted() where !declared.contains(name) {
                switch additional {
                case .allowed: break
                case .forbidden:
                    violations.append(SchemaViolation(path: JSONPointer.appending(path, name), message: "is not an allowed property"))
                case .schema(let schema):
                    schema.validate(members[name]!, path: JSONPointer.appending(path, name), into: &violations)
                }
            }
        case .null, .bool:
            break
        }
    }

    private func validateNumber(_ value: JSONValue, report: (String) -> Void) {
        if let minimum, let order = JSONNumber.compare(value, minimum), order < 0 { report("must be >= \(minimum)") }
        if let maximum, let order = JSONNumber.compare(value, maximum), order > 0 { report("must be <= \(maximum)") }
        if let exclusiveMinimum, let order = JSONNumber.compare(value, exclusiveMinimum), order <= 0 {
            report("must be > \(exclusiveMinimum)")
        }
        if let exclusiveMaximum, let order = JSONNumber.compare(value, exclusiveMaximum), order >= 0 {
            report("must be < \(exclusiveMaximum)")
        }
    }

    private func validateString(_ text: String, report: (String) -> Void) {
        // JSON Schema counts code points, i.e. Unicode scalars, not grapheme clusters.
        if minLength != nil || maxLength != nil {
            let length = text.unicodeScalars.count
            if let minLength, length < minLength {
                report("must be at least \(minLength) character\(minLength == 1 ? "" : "s") long")
            }
            if let maxLength, length > maxLength { report("must be at most \(maxLength) characters long") }
        }
        if let pattern {
            let range = NSRange(text.startIndex..., in: text)
            if pattern.regex.firstMatch(in: text, range: range) == nil { report("must match the pattern \(pattern.source)") }
        }
        if let format, !SchemaFormat.check(format, text) {
            report("must be a valid \(format)")
        }
    }

    private static func article(_ name: String) -> String {
        switch name {
        case "integer", "object", "array": return "an \(name)"
        case "null": return "null"
        default: return "a \(name)"
        }
    }
}

/// The `format` values the subset asserts (formats are validated, not just annotations).
enum SchemaFormat {
    static let supported: Set<String> = ["date-time", "uuid"]

    static func check(_ format: String, _ text: String) -> Bool {
        switch format {
        case "date-time": return RFC3339.parse(text) != nil
        case "uuid": return isUUID(text)
        default: return true
        }
    }

    /// RFC 9562 string form: 8-4-4-4-12 hex digits, either case.
    static func isUUID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return false }
        for (index, byte) in bytes.enumerated() {
            if [8, 13, 18, 23].contains(index) {
                guard byte == UInt8(ascii: "-") else { return false }
            } else if !Syntax.isHex(byte) {
                return false
            }
        }
        return true
    }
}
