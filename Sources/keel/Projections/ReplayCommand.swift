import ArgumentParser
import Foundation
import KeelCore
import KeelRuntime
import KeelStore

/// `keel replay NAME [--from earliest|OFFSET|TIME] [--to OFFSET|TIME]`: rebuilds a projection
/// into a shadow generation and swaps it in atomically (bounded replays keep the shadow).
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Rebuild a projection from the log into a shadow, then swap it in atomically.",
        discussion: """
            With Kafka + MongoDB this runs here, beside `keel serve`. With the embedded log, when a `keel serve` holds \
            its directory (it leaves DIR/server.json there), the replay runs in that server, which is the one process \
            allowed to write, and this command follows its progress; without a server it runs here. An interrupted \
            replay leaves the live projection untouched; the next replay drops its leftover shadow and starts again.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var storeOptions: StoreOptions
    @Argument(help: "The projection to rebuild.") var name: String
    @Option(help: ArgumentHelp("earliest, an offset (every partition), or an RFC 3339 time.", valueName: "position"))
    var from: String = "earliest"
    @Option(help: ArgumentHelp("Stop before this offset or time; the shadow is then kept, not swapped in.", valueName: "position"))
    var to: String?

    func validate() throws {
        guard StandardProjections.names.contains(name) else {
            throw ValidationError("unknown projection '\(name)' (known: \(StandardProjections.names.joined(separator: ", ")))")
        }
        guard ReplayStart(from) != nil else { throw ValidationError("--from must be earliest, an offset or an RFC 3339 time, got '\(from)'") }
        if let to, ReplayEnd(to) == nil { throw ValidationError("--to must be an offset or an RFC 3339 time, got '\(to)'") }
    }

    func run() async throws {
        let catalog = try global.loadCatalog()
        guard let projector = StandardProjections.named(name, catalog: catalog), let start = ReplayStart(from) else {
            throw CLIFailure.usage("unknown projection '\(name)'")
        }
        if case .timestampMs(let time) = start, time > Int64(Date().timeIntervalSince1970 * 1000) {
            throw CLIFailure.usage("--from \(from) is in the future; nothing was changed")
        }
        if let server = try LocalServer.find(for: global) {
            try await runInServer(server)
            return
        }
        let log = try await global.openLog(readOnly: true)
        let store: any ProjectionStore
        do {
            store = try await storeOptions.openStore(logger: global.makeLogger("keel.store"))
        } catch {
            try? await log.shutdown()
            throw error
        }
        let replayer = Replayer(projector: projector, log: log, store: store, logger: global.makeLogger("keel.replay"))
        let printer = ProgressPrinter(interactive: isatty(STDOUT_FILENO) == 1, name: name)
        do {
            let report = try await replayer.run(from: start, to: to.flatMap(ReplayEnd.init), progress: printer.print)
            printer.finish()
            for leftover in report.droppedLeftovers { Output.line("dropped the leftover shadow \(leftover) of an interrupted replay") }
            let verb = report.promoted ? "swapped in" : "kept as shadow \(report.shadow) (bounded replay: not swapped in)"
            Output.line(String(format: "replayed %@: %d events in %.1f s, %@", name, report.events, report.seconds, verb))
        } catch let error as ReplayError {
            printer.finish()
            try? await store.shutdown()
            try? await log.shutdown()
            throw CLIFailure.usage(error.message)
        } catch {
            printer.finish()
            try? await store.shutdown()
            try? await log.shutdown()
            throw CLIFailure.runtime("replay of \(name) failed: \(error); the live projection is untouched")
        }
        try? await store.shutdown()
        try? await log.shutdown()
    }
}

extension ReplayCommand {
    /// Asks the running server to replay and follows it about twice a second, printing the same
    /// progress and final lines as a replay run here. Interrupting this command does not stop
    /// the replay in the server.
    func runInServer(_ server: LocalServer) async throws {
        let client = LocalServerClient(server: server)
        let printer = ProgressPrinter(interactive: isatty(STDOUT_FILENO) == 1, name: name)
        var status = try await client.startReplay(name, from: from, to: to)
        guard let id = status["id"]?.stringValue else {
            throw CLIFailure.runtime("the server at \(server.url) answered a replay without an id: \(status.jsonString)")
        }
        while status["state"]?.stringValue == "running" {
            if status["phase"]?.stringValue != "starting" { printer.print(RemoteProgress(status)) }
            try await Task.sleep(for: .milliseconds(500))
            status = try await client.replay(name, id: id)
        }
        printer.finish()
        guard status["state"]?.stringValue == "completed" else {
            let error = status["error"]?.stringValue ?? "state \(status["state"]?.stringValue ?? "unknown")"
            throw CLIFailure.runtime("replay of \(name) failed in the server at \(server.url): \(error)")
        }
        printer.print(RemoteProgress(status))
        let promoted = status["promoted"]?.boolValue == true
        let verb = promoted ? "swapped in" : "kept as shadow \(name)@\(id) (bounded replay: not swapped in)"
        Output.line(
            String(
                format: "replayed %@: %lld events in %.1f s, %@ (in the server at %@)", name, status["processed"]?.intValue ?? 0,
                status["elapsedSeconds"]?.doubleValue ?? 0, verb, server.url))
    }
}

/// A replay's progress as the server reports it, in the fields `ProgressPrinter` prints.
struct RemoteProgress {
    var phase: String
    var generation: String
    var events: Int
    var eventsPerSecond: Double
    var lag: Int64
    var etaSeconds: Double?

    init(_ status: JSONValue) {
        phase = status["phase"]?.stringValue ?? "-"
        generation = status["id"]?.stringValue ?? "-"
        events = Int(status["processed"]?.intValue ?? 0)
        eventsPerSecond = status["eventsPerSecond"]?.doubleValue ?? 0
        lag = status["lag"]?.intValue ?? 0
        etaSeconds = status["etaSeconds"]?.doubleValue
    }
}

/// Prints replay progress: one rewritten line on a TTY, plain lines otherwise.
struct ProgressPrinter: Sendable {
    var interactive: Bool
    var name: String

    func print(_ progress: ReplayProgress) {
        print(
            phase: progress.phase.rawValue, generation: progress.generation, events: progress.events,
            eventsPerSecond: progress.eventsPerSecond, lag: progress.lag, etaSeconds: progress.etaSeconds)
    }

    func print(_ progress: RemoteProgress) {
        print(
            phase: progress.phase, generation: progress.generation, events: progress.events,
            eventsPerSecond: progress.eventsPerSecond, lag: progress.lag, etaSeconds: progress.etaSeconds)
    }

    private func print(phase: String, generation: String, events: Int, eventsPerSecond: Double, lag: Int64, etaSeconds: Double?) {
        let eta = etaSeconds.map { String(format: "%.0fs", $0) } ?? "-"
        let text = String(
            format: "replay %@ [%@] %@: %d events, %.0f events/s, lag %lld, ETA %@", name, generation,
            phase, events, eventsPerSecond, lag, eta)
        if interactive {
            FileHandle.standardOutput.write(Data("\r\u{1B}[2K\(text)".utf8))
        } else {
            Output.line(text)
        }
    }

    func finish() {
        if interactive { FileHandle.standardOutput.write(Data("\n".utf8)) }
    }
}
