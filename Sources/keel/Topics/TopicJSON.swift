import KeelCore

/// Renders catalog definitions for `keel topics` output.
enum TopicJSON {
    static func summary(_ topic: TopicDefinition) -> JSONValue {
        .object([
            "name": .string(topic.name),
            "description": .string(topic.description),
            "partitions": .int(Int64(topic.partitions)),
            "replicationFactor": .int(Int64(topic.replicationFactor)),
            "config": .object(topic.kafkaConfig.mapValues { .string($0) }),
            "key": .string(topic.key.description),
            "acceptsAnyType": .bool(topic.acceptsAnyType),
            "eventTypes": .array(topic.eventTypes.map { .string($0.type) }),
        ])
    }

    static func detail(_ topic: TopicDefinition) -> [String: JSONValue] {
        guard case .object(var json) = summary(topic) else { return [:] }
        json["eventTypes"] = .array(
            topic.eventTypes.map { type in
                .object([
                    "type": .string(type.type),
                    "description": .string(type.description),
                    "latestVersion": .int(Int64(type.latestVersion)),
                    "versions": .array(type.versions.map { .int(Int64($0.version)) }),
                ])
            })
        return json
    }

    static func retentionText(_ milliseconds: Int64?) -> String {
        guard let milliseconds else { return "forever" }
        let units: [(Int64, String)] = [(86_400_000, "d"), (3_600_000, "h"), (60_000, "m"), (1000, "s")]
        for (size, suffix) in units where milliseconds % size == 0 { return "\(milliseconds / size)\(suffix)" }
        return "\(milliseconds)ms"
    }

    static func describeText(_ topic: TopicDefinition) -> String {
        var lines = [
            topic.name,
            "  \(topic.description)",
            "  partitions: \(topic.partitions), replication: \(topic.replicationFactor)",
            "  cleanup: \(topic.kafkaConfig["cleanup.policy"] ?? "delete"), retention: \(retentionText(topic.retentionMs))",
            "  key: \(topic.key.description)",
        ]
        if topic.acceptsAnyType { lines.append("  accepts any event type (registered types are still validated)") }
        for type in topic.eventTypes {
            lines.append("  - \(type.type) v\(type.versions.map { String($0.version) }.joined(separator: ",v")): \(type.description)")
        }
        return lines.joined(separator: "\n")
    }
}

/// A plain text table with left-aligned columns.
enum Table {
    static func render(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
