import Foundation

/// The CloudEvents JSON event format (structured content mode), as used by HTTP structured mode
/// and Kafka structured mode.
extension CloudEvent {
    /// Reads an event in the JSON event format and validates it.
    ///
    /// - `data` is taken as JSON when `datacontenttype` is absent or JSON; for other content types a
    ///   JSON string becomes `.text`. `data_base64` becomes `.binary`; both together are an error.
    /// - Extension values that are JSON booleans or integers are converted to their canonical
    ///   string form (`true`, `42`); other non-string values are errors. `null` means absent.
    public init(structured json: JSONValue) throws(EventValidationError) {
        guard case .object(let members) = json else {
            throw EventValidationError(field: "event", reason: "must be a JSON object in the CloudEvents JSON format")
        }
        func string(_ name: String) throws(EventValidationError) -> String? {
            switch members[name] {
            case nil, .null?: return nil
            case .string(let value)?: return value
            case let other?:
                throw EventValidationError(field: name, reason: "must be a JSON string, got \(CloudEvent.kind(of: other))")
            }
        }
        func required(_ name: String) throws(EventValidationError) -> String {
            guard let value = try string(name) else {
                throw EventValidationError(field: name, reason: "is required")
            }
            return value
        }
        let specversion = try required("specversion")
        guard specversion == CloudEvent.supportedSpecVersion else {
            throw EventValidationError(
                field: "specversion",
                reason: "unsupported version '\(specversion)' (supported: \(CloudEvent.supportedSpecVersion))")
        }
        var event = CloudEvent(
            id: try required("id"), source: try required("source"), type: try required("type"), specversion: specversion)
        event.datacontenttype = try string("datacontenttype")
        event.dataschema = try string("dataschema")
        event.subject = try string("subject")
        if let time = try string("time") {
            guard let date = RFC3339.parse(time) else {
                throw EventValidationError(
                    field: "time", reason: "must be an RFC 3339 timestamp like 2026-11-21T07:10:45.123Z, got '\(time)'")
            }
            event.time = date
        }
        switch (members["data"], members["data_base64"]) {
        case (_?, _?):
            throw EventValidationError(field: "data", reason: "data and data_base64 cannot both be present")
        case (let data?, nil):
            if case .string(let text) = data, let type = event.datacontenttype, !Syntax.isJSONMediaType(type) {
                event.data = .text(text)
            } else {
                event.data = .json(data)
            }
        case (nil, let encoded?):
            guard case .string(let text) = encoded, let bytes = Data(base64Encoded: text) else {
                throw EventValidationError(field: "data_base64", reason: "must be a base64 string (RFC 4648)")
            }
            event.data = .binary(Array(bytes))
        case (nil, nil):
            break
        }
        for (name, value) in members where !CloudEvent.coreAttributeNames.contains(name) {
            switch value {
            case .null: continue
            case .string(let text): event.extensions[name] = text
            case .bool(let flag): event.extensions[name] = flag ? "true" : "false"
            case .int(let number): event.extensions[name] = String(number)
            case .double(let number) where number == number.rounded() && abs(number) < 9.0e15:
                event.extensions[name] = String(Int64(number))
            default:
                throw EventValidationError(
                    field: name,
                    reason: "extension attributes must be strings, booleans or integers, got \(CloudEvent.kind(of: value))")
            }
        }
        try event.validate()
        self = event
    }

    /// The event in the JSON event format. `data` is written as JSON for `.json`, as a string for
    /// `.text`, and as `data_base64` for `.binary`; `time` as RFC 3339 UTC with milliseconds;
    /// `dataversion` as a JSON integer, other extensions as strings.
    ///
    /// Round trip through `init(structured:)` is exact for valid events whose `time` has
    /// millisecond precision, except that `.text` data needs a non-JSON `datacontenttype`
    /// (with none, the format defines string data to be the JSON string).
    public func structured() -> JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(id), "source": .string(source), "specversion": .string(specversion), "type": .string(type),
        ]
        if let datacontenttype { members["datacontenttype"] = .string(datacontenttype) }
        if let dataschema { members["dataschema"] = .string(dataschema) }
        if let subject { members["subject"] = .string(subject) }
        if let time { members["time"] = .string(RFC3339.format(time)) }
        for (name, value) in extensions {
            if name == "dataversion", let number = Int64(value), String(number) == value {
                members[name] = .int(number)
            } else {
                members[name] = .string(value)
            }
        }
        switch data {
        case .json(let value)?: members["data"] = value
        case .text(let text)?: members["data"] = .string(text)
        case .binary(let bytes)?: members["data_base64"] = .string(Data(bytes).base64EncodedString())
        case nil: break
        }
        return .object(members)
    }

    static func kind(of value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int, .double: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
