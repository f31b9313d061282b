extension DocumentValue {
    /// A document value from JSON, as projectors store event data: numbers keep their kind
    /// (int stays int, everything else double), nothing is reinterpreted (dates stay strings).
    public init(_ json: JSONValue) {
        switch json {
        case .null: self = .null
        case .bool(let value): self = .bool(value)
        case .int(let value): self = .int(value)
        case .double(let value): self = .double(value)
        case .string(let value): self = .string(value)
        case .array(let values): self = .array(values.map(DocumentValue.init))
        case .object(let members): self = .object(members.mapValues(DocumentValue.init))
        }
    }
}

extension CloudEventData {
    /// The payload as a document value: JSON as is, text as a string, bytes as binary.
    public var documentValue: DocumentValue {
        switch self {
        case .json(let json): DocumentValue(json)
        case .text(let text): .string(text)
        case .binary(let bytes): .binary(bytes)
        }
    }
}
