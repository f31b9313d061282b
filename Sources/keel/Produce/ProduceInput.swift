import Foundation
import KeelCore
import KeelRuntime

/// Turns one input line into a CloudEvent: either a full CloudEvent in structured JSON form, or
/// the shorthand `{"type", "key", "data", …}` that Keel completes with an id (UUIDv7), a source,
/// the current time and `application/json`.
enum ProduceInput {
    /// Shorthand names that are not CloudEvents attribute names.
    static let aliases = ["key": "partitionkey", "tenant": "tenantid"]
    static let shorthandFields: Set<String> = [
        "type", "key", "data", "source", "id", "subject", "time", "tenant", "tenantid", "partitionkey",
        "datacontenttype", "dataschema", "dataversion", "correlationid", "causationid", "traceparent", "tracestate",
    ]

    static func event(from line: [UInt8], defaultSource: String, now: Date = Date()) throws -> CloudEvent {
        let json: JSONValue
        do {
            json = try JSONValue.parse(line)
        } catch {
            throw EventValidationError(field: "json", reason: error.description)
        }
        guard case .object(var fields) = json else {
            throw EventValidationError(field: "json", reason: "each line must be a JSON object")
        }
        if fields["specversion"] != nil {
            return try CloudEvent(structured: json)
        }
        if let unknown = fields.keys.sorted().first(where: { !shorthandFields.contains($0) }) {
            throw EventValidationError(
                field: unknown,
                reason:
                    "unknown shorthand field (use a full CloudEvent with specversion, or one of: \(shorthandFields.sorted().joined(separator: ", ")))"
            )
        }
        for (alias, attribute) in aliases {
            guard let value = fields.removeValue(forKey: alias) else { continue }
            if fields[attribute] != nil {
                throw EventValidationError(field: alias, reason: "given together with \(attribute); use one")
            }
            fields[attribute] = value
        }
        fields["specversion"] = .string("1.0")
        fields["id"] = fields["id"] ?? .string(SystemIDs.uuidv7(now: now))
        fields["source"] = fields["source"] ?? .string(defaultSource)
        fields["time"] = fields["time"] ?? .string(RFC3339.format(now))
        if fields["data"] != nil, fields["datacontenttype"] == nil {
            fields["datacontenttype"] = .string("application/json")
        }
        return try CloudEvent(structured: .object(fields))
    }
}
