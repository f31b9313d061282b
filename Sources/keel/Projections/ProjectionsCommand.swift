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
                Output.line(
                    Table.render(
                        header: [
                            "PROJECTION", "VERSION", "GENERATIONS", "PARTITIONS", "CHECKPOINTED", "LAG", "STATE", "BLOCKED KEYS", "DEAD LETTERS",
                        ], rows: rows))
            }
        }
    }
}

extension ProjectionStatus {
    var row: [String] {
        [
            name, "\(version)", generations.map(\.description).joined(separator: ","), "\(partitions.count)",
            "\(partitions.filter { $0.checkpoint != nil }.count)", "\(lag)", state, "\(blockedKeys)", "\(deadLetters.count)",
        ]
    }
}
