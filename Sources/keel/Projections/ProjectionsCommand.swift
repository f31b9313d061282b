import ArgumentParser
import Foundation
import KeelCore
import KeelLog
import KeelRuntime
import KeelStore

/// `keel projections status [--format json]`: per projection, its generations, checkpoint per
/// partition, lag (end offset − checkpoint) and dead-letter state. Reads only: it opens the
/// embedded log and store read-only, so it works beside `keel serve`.
struct ProjectionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "projections",
        abstract: "Inspect projections.",
        subcommands: [Status.self]
    )

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Checkpoint, lag and state of every projection.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var storeOptions: StoreOptions
        @Option(help: "text or json") var format: OutputFormat = .text

        func run() async throws {
            let catalog = try global.loadCatalog()
            let log = try await global.openLog(readOnly: true)
            let store = try await storeOptions.openStore(readOnly: true, logger: global.makeLogger("keel.store"))
            var reports: [JSONValue] = []
            var rows: [[String]] = []
            for projector in StandardProjections.all(catalog: catalog) {
                let status = try await ProjectionStatus.read(projector, log: log, store: store)
                reports.append(status.json)
                rows.append(status.row)
            }
            try? await store.shutdown()
            try? await log.shutdown()
            switch format {
            case .json: Output.json(.object(["projections": .array(reports)]))
            case .text:
                Output.line(Table.render(header: ["PROJECTION", "VERSION", "GENERATIONS", "PARTITIONS", "CHECKPOINTED", "LAG", "STATE", "BLOCKED KEYS", "DEAD LETTERS"], rows: rows))
            }
        }
    }
}

/// One projection's state as `status` reports it.
struct ProjectionStatus {
    var name: String
    var version: Int
    var generations: [CollectionSet]
    var partitions: [(partition: TopicPartition, checkpoint: Int64?, end: Int64)]
    var deadLetters: [DeadLetterEntry]

    static func read(_ projector: any Projector, log: any EventLog, store: any ProjectionStore) async throws -> ProjectionStatus {
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

    var lag: Int64 { partitions.reduce(0) { $0 + max(0, $1.end - ($1.checkpoint ?? 0)) } }
    var blockedKeys: Int { Set(deadLetters.compactMap(\.blockKey)).count }
    var state: String {
        if blockedKeys > 0 { return "blocked-keys" }
        if partitions.allSatisfy({ $0.checkpoint == nil }) && lag > 0 { return "not-started" }
        return lag == 0 ? "caught-up" : "behind"
    }

    var row: [String] {
        [name, "\(version)", generations.map(\.description).joined(separator: ","), "\(partitions.count)",
         "\(partitions.filter { $0.checkpoint != nil }.count)", "\(lag)", state, "\(blockedKeys)", "\(deadLetters.count)"]
    }

    var json: JSONValue {
        .object([
            "name": .string(name), "version": .int(Int64(version)),
            "generations": .array(generations.map { .object(["generation": $0.generation.map(JSONValue.string) ?? .null, "live": .bool($0.isLive)]) }),
            "lag": .int(lag), "state": .string(state), "blockedKeys": .int(Int64(blockedKeys)),
            "deadLetters": .int(Int64(deadLetters.count)),
            "partitions": .array(partitions.map { item in
                .object([
                    "topic": .string(item.partition.topic), "partition": .int(Int64(item.partition.partition)),
                    "checkpoint": item.checkpoint.map(JSONValue.int) ?? .null, "end": .int(item.end),
                    "lag": .int(max(0, item.end - (item.checkpoint ?? 0))),
                ])
            }),
        ])
    }
}
