import ArgumentParser
import Foundation
import KeelCore
import KeelLog
import KeelRuntime
import KeelStore

/// `keel dlq list|redrive|skip`: projections' dead letters.
///
/// `list` reads the projections' `deadletters` collections. `redrive` and `skip` append a request
/// to `keel.deadletter`; the live projector carries it out in order with its other work.
/// With the embedded log, when a `keel serve` holds the directory (`LocalServer`), all three ask
/// it over its operator API (only that process may append); without one they run here (the
/// request is then carried out when a server starts). With Kafka they always run here.
struct DLQCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq",
        abstract: "List, redrive and skip dead-lettered events of projections.",
        subcommands: [List.self, Redrive.self, Skip.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Dead-lettered (poison) and parked events, per projection.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var storeOptions: StoreOptions
        @Option(help: "Only this projection.") var projection: String?
        @Option(help: "text or json") var format: OutputFormat = .text

        func validate() throws {
            if let projection, !StandardProjections.names.contains(projection) {
                throw ValidationError("unknown projection '\(projection)' (known: \(StandardProjections.names.joined(separator: ", ")))")
            }
        }

        func run() async throws {
            let names = StandardProjections.names.filter { projection == nil || projection == $0 }
            var entries: [JSONValue] = []
            if let server = try LocalServer.find(for: global) {
                let client = LocalServerClient(server: server)
                for name in names { entries += try await client.deadLetters(name) }
            } else {
                let store = try await storeOptions.openStore(readOnly: true, logger: global.makeLogger("keel.store"))
                for name in names { entries += try await store.deadLetters(.live(name)).map(\.json) }
                try? await store.shutdown()
            }
            switch format {
            case .json:
                for entry in entries { Output.json(entry) }
            case .text:
                let rows = entries.map { entry in
                    let error = entry["error"].map { "\($0["code"]?.stringValue ?? "?"): \($0["message"]?.stringValue ?? "")" }
                    return [
                        entry["id"]?.stringValue ?? "-", entry["status"]?.stringValue ?? "-", entry["key"]?.stringValue ?? "-",
                        entry["type"]?.stringValue ?? "-", error ?? "waiting behind \(entry["blockedBy"]?.stringValue ?? "?")",
                    ]
                }
                Output.line(Table.render(header: ["ID", "STATUS", "KEY", "TYPE", "ERROR"], rows: rows))
            }
        }
    }

    struct Redrive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask the projector to re-apply a dead-lettered event and what waits behind it (or every blocked key).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "A dead-letter id (projection:topic:partition:offset), from `keel dlq list`.") var id: String?
        @Flag(help: "Every blocked key (of --projection, or of every projection).") var all = false
        @Option(help: "With --all: only this projection.") var projection: String?

        func validate() throws {
            if id != nil && all { throw ValidationError("give a dead-letter ID or --all (not both)") }
            if id == nil && !all { throw ValidationError("give a dead-letter ID or --all") }
            if let id { try DLQCommand.check(id) }
            if let projection, !StandardProjections.names.contains(projection) {
                throw ValidationError("unknown projection '\(projection)'")
            }
        }

        func run() async throws {
            if let server = try LocalServer.find(for: global) {
                let client = LocalServerClient(server: server)
                if let id, let (projection, _) = DeadLetterEntry.parse(id) {
                    try await client.redrive(projection, entry: id)
                } else {
                    for name in StandardProjections.names where projection == nil || projection == name {
                        try await client.redrive(name, entry: nil)
                    }
                }
                Output.line("redrive requested (\(id ?? "all blocked keys")) from the server at \(server.url); its projector carries it out in order")
                return
            }
            var requests: [OutgoingRecord] = []
            if let id, let (projection, _) = DeadLetterEntry.parse(id) {
                requests.append(DeadLetterEvents.redriveRequest(projection: projection, entry: id, by: DLQCommand.operatorName))
            } else {
                for name in StandardProjections.names where projection == nil || projection == name {
                    requests.append(DeadLetterEvents.redriveRequest(projection: name, entry: nil, by: DLQCommand.operatorName))
                }
            }
            try await DLQCommand.append(requests, global: global, what: "keel dlq redrive")
            Output.line("redrive requested (\(id ?? "all blocked keys")); the running projector carries it out in order")
        }
    }

    struct Skip: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask the projector to drop a dead-lettered event and apply what waits behind it.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The dead-letter id of a poison entry.") var id: String
        @Option(help: "Why (recorded in the skipped event).") var reason: String?

        func validate() throws { try DLQCommand.check(id) }

        func run() async throws {
            guard let (projection, _) = DeadLetterEntry.parse(id) else { return }
            if let server = try LocalServer.find(for: global) {
                try await LocalServerClient(server: server).skip(projection, entry: id, reason: reason)
                Output.line("skip requested (\(id)) from the server at \(server.url); its projector carries it out in order")
                return
            }
            try await DLQCommand.append(
                [DeadLetterEvents.skipRequest(projection: projection, entry: id, reason: reason, by: DLQCommand.operatorName)],
                global: global, what: "keel dlq skip")
            Output.line("skip requested (\(id)); the running projector carries it out in order")
        }
    }

    static var operatorName: String? { ProcessInfo.processInfo.environment["USER"].flatMap { $0.isEmpty ? nil : $0 } }

    static func check(_ id: String) throws {
        guard let (projection, _) = DeadLetterEntry.parse(id) else {
            throw ValidationError("'\(id)' is not a dead-letter id (projection:topic:partition:offset, see `keel dlq list`)")
        }
        guard StandardProjections.names.contains(projection) else {
            throw ValidationError("unknown projection '\(projection)' in '\(id)'")
        }
    }

    static func append(_ requests: [OutgoingRecord], global: GlobalOptions, what: String) async throws {
        let log = try await global.openWritableLog(for: what)
        do {
            _ = try await log.produce(requests, to: DeadLetterEvents.topic)
        } catch {
            try? await log.shutdown()
            throw CLIFailure.runtime("could not append the request to \(DeadLetterEvents.topic): \(error)")
        }
        try? await log.shutdown()
    }
}
