import KeelCore
import KeelLog
import KeelStore

/// One projection's state: generations, checkpoint and lag per partition, dead letters — what
/// `keel projections status` and the gateway's `GET /v1/projections` report.
public struct ProjectionStatus: Sendable {
    public var name: String
    public var version: Int
    public var generations: [CollectionSet]
    public var partitions: [(partition: TopicPartition, checkpoint: Int64?, end: Int64)]
    public var deadLetters: [DeadLetterEntry]

    public static func read(_ projector: any Projector, log: any EventLog, store: any ProjectionStore) async throws -> ProjectionStatus {
        let generations = try await store.generations(of: projector.name)
        let checkpoint = try await store.checkpoint(.live(projector.name))
        let topics = Set(projector.topics).union([DeadLetterEvents.topic])
        let ends = try await LogOffsets.ends(of: topics, in: log)
        let partitions = ends.keys.sorted().map { partition in
            (partition, checkpoint?.positions[LogPosition(partition.topic, partition.partition)], ends[partition] ?? 0)
        }
        let deadLetters = try await store.deadLetters(.live(projector.name))
        return ProjectionStatus(
            name: projector.name, version: projector.version, generations: generations, partitions: partitions, deadLetters: deadLetters)
    }

    public var lag: Int64 { partitions.reduce(0) { $0 + max(0, $1.end - ($1.checkpoint ?? 0)) } }
    public var blockedKeys: Int { Set(deadLetters.compactMap(\.blockKey)).count }
    public var state: String {
        if blockedKeys > 0 { return "blocked-keys" }
        if partitions.allSatisfy({ $0.checkpoint == nil }) && lag > 0 { return "not-started" }
        return lag == 0 ? "caught-up" : "behind"
    }

    public var json: JSONValue {
        .object([
            "name": .string(name), "version": .int(Int64(version)),
            "generations": .array(
                generations.map { .object(["generation": $0.generation.map(JSONValue.string) ?? .null, "live": .bool($0.isLive)]) }),
            "lag": .int(lag), "state": .string(state), "blockedKeys": .int(Int64(blockedKeys)),
            "deadLetters": .int(Int64(deadLetters.count)),
            "partitions": .array(
                partitions.map { item in
                    .object([
                        "topic": .string(item.partition.topic), "partition": .int(Int64(item.partition.partition)),
                        "checkpoint": item.checkpoint.map(JSONValue.int) ?? .null, "end": .int(item.end),
                        "lag": .int(max(0, item.end - (item.checkpoint ?? 0))),
                    ])
                }),
        ])
    }
}
