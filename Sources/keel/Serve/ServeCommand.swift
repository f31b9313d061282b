import ArgumentParser
import AsyncHTTPClient
import Foundation
import Hummingbird
import KeelCore
import KeelExecutor
import KeelGateway
import KeelLog
import KeelRuntime
import KeelStore
import Logging
import ServiceLifecycle
import Synchronization

/// `keel serve [--roles gateway,projector]`: runs Keel's roles in one process as one
/// `ServiceGroup`, until SIGTERM/SIGINT. Graceful shutdown drains HTTP requests, lets each
/// projector finish its batch and write its checkpoint, then flushes the producer.
///
/// Prints `listening on http://HOST:PORT` (a line of its own) once the gateway accepts
/// connections, and one `ready` line once every role is up.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run Keel's roles (gateway, executor, scheduler, projector; all by default) until SIGTERM/SIGINT.",
        discussion: """
            With embedded storage the log and the store each allow one writing process: serve leaves DIR/server.json \
            (its address and a per-start local operator token, mode 0600) in the log's directory, and keel replay and \
            keel dlq find it there and ask this server to do their writes. Settings come from flags, then \
            environment variables, then --config FILE (JSON), then defaults. KEEL_ADMIN_KEY sets a bootstrap admin \
            credential; without it an admin key is created at first start and printed once.
            """
    )

    static let knownRoles: [String] = ["gateway", "executor", "scheduler", "projector"]

    @OptionGroup var global: GlobalOptions
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var gateway: GatewayOptions

    @Option(help: ArgumentHelp("Comma-separated roles to run (default: all). Env KEEL_ROLES.", valueName: "role[,role…]"))
    var roles: String?

    @Option(help: ArgumentHelp("Comma-separated projections to run (default: all).", valueName: "name[,name…]"))
    var projections: String?

    @Option(name: .customLong("config"), help: ArgumentHelp("A JSON settings file. Env KEEL_CONFIG.", valueName: "path"))
    var configPath: String?

    @Flag(name: .customLong("no-apply-topics"), help: "Do not create missing catalog topics at start.")
    var noApplyTopics = false

    @Flag(help: .hidden)
    var exitWhenCaughtUp = false

    func validate() throws {
        _ = try requestedRoles(file: [:])
        if let projections {
            for name in projections.split(separator: ",") where !StandardProjections.names.contains(String(name)) {
                throw ValidationError("unknown projection '\(name)' (known: \(StandardProjections.names.joined(separator: ", ")))")
            }
        }
    }

    func requestedRoles(file: [String: JSONValue]) throws -> [String] {
        let text = roles ?? ProcessInfo.processInfo.environment["KEEL_ROLES"] ?? file["roles"]?.stringValue ?? Self.knownRoles.joined(separator: ",")
        let requested = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !requested.isEmpty else { throw ValidationError("--roles needs at least one role (known: \(Self.knownRoles.joined(separator: ", ")))") }
        for role in requested where !Self.knownRoles.contains(role) {
            throw ValidationError("unknown role '\(role)' (known roles: \(Self.knownRoles.joined(separator: ", ")))")
        }
        return Self.knownRoles.filter(requested.contains)
    }

    func loadConfigFile() throws -> [String: JSONValue] {
        guard let path = configPath ?? ProcessInfo.processInfo.environment["KEEL_CONFIG"] else { return [:] }
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIFailure.usage("cannot read --config \(path)") }
        do {
            guard case .object(let members) = try JSONValue.parse(Array(data)) else {
                throw CLIFailure.usage("--config \(path) must hold a JSON object")
            }
            return members
        } catch let error as JSONParseError {
            throw CLIFailure.usage("--config \(path): \(error)")
        }
    }

    func run() async throws {
        let file = try loadConfigFile()
        let roles = try requestedRoles(file: file)
        var global = self.global
        var storeOptions = self.storeOptions
        let environment = ProcessInfo.processInfo.environment
        if global.logLocation == nil, environment["KEEL_LOG"] == nil { global.logLocation = file["log"]?.stringValue }
        if storeOptions.storeLocation == nil, environment["KEEL_STORE"] == nil { storeOptions.storeLocation = file["store"]?.stringValue }
        var gatewayConfiguration: GatewayConfiguration
        do {
            gatewayConfiguration = try gateway.configuration(file: file)
        } catch let error as ValidationError {
            throw CLIFailure.usage(error.message)
        }
        let catalog = try global.loadCatalog()
        let logger = global.makeLogger("keel.serve")
        // The dedupe index keeps identities for the gateway's window (a week at least).
        let dedupeRetention = max(Int(gatewayConfiguration.dedupeWindow.components.seconds), IngestDedupeProjector.defaultRetentionSeconds)
        var projectors = StandardProjections.all(catalog: catalog, dedupeRetentionSeconds: dedupeRetention)
        if let projections {
            let wanted = Set(projections.split(separator: ",").map(String.init))
            projectors = projectors.filter { wanted.contains($0.name) }
        }
        let log = try await global.openWritableLog(for: "keel serve")
        let store: any ProjectionStore
        do {
            if !noApplyTopics { try await Self.createMissingTopics(catalog, in: log) }
            store = try await storeOptions.openStore(logger: global.makeLogger("keel.store"))
        } catch {
            try? await log.shutdown()
            throw error
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        var httpClient: HTTPClient?
        var localServer: LocalServerPublisher?
        var pending = Set<String>()
        let readiness = Readiness()
        let readyLine = "keel serve: ready (roles: \(roles.joined(separator: ", ")); log \(log.description); store \(store.description))"
        if roles.contains("projector") {
            var configuration = ProjectorService.Configuration()
            configuration.stopWhenCaughtUp = exitWhenCaughtUp
            // Every projector reads the same records at about the same time: decode each once.
            configuration.decoder = SharedRecordDecoder()
            for projector in projectors {
                pending.insert("projector:\(projector.name)")
                let service = ProjectorService(
                    projector: projector, log: log, store: store, configuration: configuration,
                    logger: global.makeLogger("keel.projector.\(projector.name)"),
                    onReady: { name in if readiness.markReady("projector:\(name)") { Output.line(readyLine) } })
                services.append(
                    .init(
                        service: service, successTerminationBehavior: exitWhenCaughtUp ? .ignore : .gracefullyShutdownGroup,
                        failureTerminationBehavior: .gracefullyShutdownGroup))
            }
        }
        // Workflows: the registry serves the gateway's routes and the executor's child steps.
        let writer = KeelEventWriter(log: log, catalog: catalog, source: "/keel/serve")
        var registry: WorkflowRegistry?
        if roles.contains("gateway") || roles.contains("executor") {
            let workflows = WorkflowRegistry(writer: writer, logger: global.makeLogger("keel.workflows"))
            services.append(.init(service: workflows, failureTerminationBehavior: .gracefullyShutdownGroup))
            registry = workflows
        }
        if roles.contains("executor") {
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            httpClient = client
            let runners = StepRunners([HTTPStep(client: client, policy: OutboundPolicy()), EmitStep(writer: writer)])
            let executor = ExecutorService(writer: writer, runners: runners, registry: registry, logger: global.makeLogger("keel.executor"))
            services.append(.init(service: executor, failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        if roles.contains("scheduler") {
            let timers = TimerService(writer: writer, logger: global.makeLogger("keel.scheduler"))
            services.append(.init(service: timers, failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        if roles.contains("gateway") {
            pending.insert("gateway")
            let jwt = gatewayConfiguration.jwt.map { JWTVerifier(configuration: $0, logger: global.makeLogger("keel.jwt")) }
            do {
                try await jwt?.load()
            } catch {
                try? await store.shutdown()
                try? await log.shutdown()
                throw CLIFailure.runtime("cannot load the JWKS: \(error)")
            }
            var announce: (@Sendable (String) -> Void)?
            if gatewayConfiguration.adminKey == nil { announce = Self.announceAdminKey }
            // On an embedded directory the CLI finds this server through DIR/server.json.
            if case .embedded(let directory) = try global.location() {
                let publisher = LocalServerPublisher(directory: directory, token: LocalOperatorToken.generate())
                gatewayConfiguration.localOperatorToken = publisher.token
                localServer = publisher
            }
            let access = AccessService(log: log, logger: global.makeLogger("keel.access"), announceBootstrapKey: announce)
            // Replays and dead-letter requests of the operator API run in this process, beside the
            // live projectors; any projection may be replayed, whichever ones run live here.
            let operations = ProjectionOperations(
                projectors: StandardProjections.all(catalog: catalog), log: log, store: store, logger: global.makeLogger("keel.operations"))
            let dependencies = GatewayDependencies(
                log: log, store: store, catalog: catalog,
                projectors: StandardProjections.all(catalog: catalog).filter { $0.name != IngestDedupeProjector.projectionName },
                access: access, operations: operations, workflows: registry, runRequests: RunRequests(writer: writer), jwt: jwt,
                logger: global.makeLogger("keel.gateway"))
            let application = buildGateway(configuration: gatewayConfiguration, dependencies: dependencies) { [localServer] url in
                localServer?.publish(listeningAt: url)
                Output.line("listening on \(url)")
                if readiness.markReady("gateway") { Output.line(readyLine) }
            }
            services.append(.init(service: access, failureTerminationBehavior: .gracefullyShutdownGroup))
            services.append(.init(service: operations, failureTerminationBehavior: .gracefullyShutdownGroup))
            services.append(.init(service: application, failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        readiness.expect(pending)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        var failure: Error?
        do {
            try await group.run()
        } catch {
            failure = error
        }
        localServer?.withdraw()
        try? await httpClient?.shutdown()
        try? await store.shutdown()
        try? await log.shutdown()
        if let failure {
            throw CLIFailure.runtime("keel serve stopped: \(failure)")
        }
        Output.line("keel serve: stopped")
    }

    @Sendable static func announceAdminKey(_ token: String) {
        Output.line("admin key (shown once, store it now): \(token)")
    }

    /// Creates the catalog's topics that do not exist yet (never changes existing ones; drift is
    /// reported by `keel topics apply`).
    static func createMissingTopics(_ catalog: TopicCatalog, in log: any EventLog) async throws {
        for topic in catalog.topics where try await log.describeTopic(topic.name) == nil {
            _ = try await log.createTopic(TopicSpec(topic))
        }
    }
}

/// Counts roles that reported ready; true exactly once, when the last one does.
final class Readiness: Sendable {
    private let state = Mutex<(pending: Set<String>, expected: Bool, ready: Set<String>)>(([], false, []))

    /// Sets what must become ready (readiness reported earlier is kept).
    func expect(_ names: Set<String>) {
        state.withLock { state in
            state.pending = names.subtracting(state.ready)
            state.expected = true
        }
    }

    func markReady(_ name: String) -> Bool {
        state.withLock { state in
            state.ready.insert(name)
            guard state.pending.remove(name) != nil else { return false }
            return state.expected && state.pending.isEmpty
        }
    }
}
