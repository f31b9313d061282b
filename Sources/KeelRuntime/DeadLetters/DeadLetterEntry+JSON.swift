import KeelCore

extension DeadLetterEntry {
    /// The operator-facing JSON of an entry, one shape everywhere: `keel dlq list --format json`
    /// prints it and the gateway's `GET /v1/projections/{name}/deadletters` answers it.
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(id), "projection": .string(projection), "status": .string(status.rawValue), "topic": .string(topic),
            "partition": .int(Int64(partition)), "offset": .int(offset), "timestamp": .string(RFC3339.format(milliseconds: timestampMs)),
        ]
        if let key { object["key"] = .string(key) }
        if let tenant { object["tenant"] = .string(tenant) }
        if let error { object["error"] = .object(["code": .string(error.code), "message": .string(error.message)]) }
        if let blockedBy { object["blockedBy"] = .string(blockedBy) }
        if let eventID { object["eventId"] = .string(eventID) }
        if let eventType { object["type"] = .string(eventType) }
        return .object(object)
    }
}
