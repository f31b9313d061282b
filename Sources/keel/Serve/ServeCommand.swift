import ArgumentParser
import Foundation
import KeelCore
import KeelLog
import KeelRuntime
import KeelStore
import Logging
import ServiceLifecycle
import Synchronization

/// `keel serve --roles projector[,…]`: runs roles as long-lived services in one process, with
/// graceful shutdown on SIGTERM/SIGINT (each projector finishes its batch and writes its
/// checkpoint). Prints one `ready` line once every projector has its partitions.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run Keel's roles (for now: projector) until SIGTERM/SIGINT.",
        discussion: "With embedded storage the log and the store each allow one writing process: tools that write (keel replay, keel dlq redrive/skip) must run while serve is stopped."
    )

    /// The roles that exist today.
    static let knownRoles: Set<String> = ["projector"]

    @OptionGroup var global: GlobalOptions
    @OptionGroup var storeOptions: StoreOptions

    @Option(help: ArgumentHelp("Comma-separated roles to run.", valueName: "role[,role…]"))
    var roles: String = "projector"

    @Option(help: ArgumentHelp("Comma-separated projections to run (default: all).", valueName: "name[,name…]"))
    var projections: String?

    @Flag(help: .hidden)
    var exitWhenCaughtUp = false

    func validate() throws {
        let requested = roles.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !requested.isEmpty else { throw ValidationError("--roles needs at least one role (known: projector)") }
        for role in requested where !Self.knownRoles.contains(role) {
            throw ValidationError("unknown role '\(role)' (known roles: \(Self.knownRoles.sorted().joined(separator: ", ")))")
        }
        if let projections {
            for name in projections.split(separator: ",") where !StandardProjections.names.contains(String(name)) {
                throw ValidationError("unknown projection '\(name)' (known: \(StandardProjections.names.joined(separator: ", ")))")
            }
        }
    }

    func run() async throws {
        let catalog = try global.loadCatalog()
        let logger = global.makeLogger("keel.serve")
        var projectors = StandardProjections.all(catalog: catalog)
        if let projections {
            let wanted = Set(projections.split(separator: ",").map(String.init))
            projectors = projectors.filter { wanted.contains($0.name) }
        }
        let log = try await global.openWritableLog(for: "keel serve")
        let store: any ProjectionStore
        do {
            store = try await storeOptions.openStore(logger: global.makeLogger("keel.store"))
        } catch {
            try? await log.shutdown()
            throw error
        }
        let readiness = Readiness(expected: Set(projectors.map(\.name)))
        let readyLine = "keel serve: ready (roles: projector; projections: \(projectors.map(\.name).joined(separator: ", ")); log \(log.description); store \(store.description))"
        var configuration = ProjectorService.Configuration()
        configuration.stopWhenCaughtUp = exitWhenCaughtUp
        let services = projectors.map { projector in
            ProjectorService(
                projector: projector, log: log, store: store, configuration: configuration,
                logger: global.makeLogger("keel.projector.\(projector.name)"),
                onReady: { name in
                    if readiness.markReady(name) {
                        Output.line(readyLine)
                    }
                })
        }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services.map {
                ServiceGroupConfiguration.ServiceConfiguration(
                    service: $0, successTerminationBehavior: exitWhenCaughtUp ? .ignore : .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup)
            },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        var failure: Error?
        do {
            try await group.run()
        } catch {
            failure = error
        }
        try? await store.shutdown()
        try? await log.shutdown()
        if let failure {
            throw CLIFailure.runtime("keel serve stopped: \(failure)")
        }
        Output.line("keel serve: stopped")
    }
}

/// Counts projectors that reported ready; true exactly once, when the last one does.
final class Readiness: Sendable {
    private let state: Mutex<Set<String>>

    init(expected: Set<String>) {
        state = Mutex(expected)
    }

    func markReady(_ name: String) -> Bool {
        state.withLock { pending in
            guard pending.remove(name) != nil else { return false }
            return pending.isEmpty
        }
    }
}
