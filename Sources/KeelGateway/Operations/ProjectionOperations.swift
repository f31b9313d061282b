import Foundation
import KeelCore
import KeelLog
import KeelRuntime
import KeelStore
import Logging
import ServiceLifecycle
import Synchronization

/// Operators' work on projections inside the server process: replays (rebuild into a shadow
/// generation, then an atomic promote) and dead-letter requests.
///
/// A `Service`: `run()` takes replay jobs from a queue and runs each in a child task of its own
/// task group, so every running replay belongs to the service group (no unstructured task), and
/// graceful shutdown cancels them. A cancelled replay leaves the live projection untouched; the
/// next replay of that projection drops its leftover shadow (see `Replayer`).
///
/// Guarantees: at most one replay per projection is queued or running at a time (`startReplay`
/// refuses a second one); the status of a replay is kept after it ends, for the last
/// `finishedReplaysKept` ended replays. Thread-safe.
public final class ProjectionOperations: Service, Sendable {
    /// Every projection operators may replay or redrive, by name.
    public let projectors: [any Projector]
    let log: any EventLog
    let store: any ProjectionStore
    let upcasters: UpcasterChain
    let logger: Logger
    let finishedReplaysKept: Int
    private let replays = Mutex(ReplayRegistry())
    private let jobs: AsyncStream<ReplayJob>
    private let submit: AsyncStream<ReplayJob>.Continuation

    /// `projectors`: every projection of the deployment (also those whose documents the query API
    /// does not serve, such as `dedupe`), since a replay rebuilds any of them.
    public init(
        projectors: [any Projector], log: any EventLog, store: any ProjectionStore, upcasters: UpcasterChain = .standard,
        finishedReplaysKept: Int = 50, logger: Logger
    ) {
        self.projectors = projectors
        self.log = log
        self.store = store
        self.upcasters = upcasters
        self.finishedReplaysKept = finishedReplaysKept
        self.logger = logger
        (jobs, submit) = AsyncStream.makeStream(of: ReplayJob.self)
    }

    public func projector(named name: String) -> (any Projector)? {
        projectors.first { $0.name == name }
    }

    /// Runs queued replays until graceful shutdown (or cancellation), which cancels the running
    /// ones: a replay can take long, and a cancelled one changes nothing readers see.
    public func run() async {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for await job in self.jobs {
                    group.addTask { await self.execute(job) }
                }
            }
        }
        submit.finish()
    }

    // MARK: Replays

    /// Queues a replay of `projection` and returns its status (state `running`, phase
    /// `starting`). Throws `ReplayConflict` when one of that projection is already queued or
    /// running. `from` and `to` were validated by the caller (see `ReplayRequest`).
    public func startReplay(projection: any Projector, from start: ReplayStart, to end: ReplayEnd?, request: ReplayRequest) throws(ReplayConflict)
        -> ReplayStatus
    {
        let replayer = Replayer(projector: projection, log: log, store: store, upcasters: upcasters, logger: logger)
        let status = ReplayStatus(id: replayer.generation, projection: projection.name, request: request, startedAt: Date())
        try replays.withLock { registry throws(ReplayConflict) in
            if let running = registry.active[projection.name] { throw ReplayConflict(running: running) }
            registry.active[projection.name] = status.id
            registry.byID[status.id] = status
        }
        logger.notice("replay \(projection.name) [\(status.id)] requested (from \(request.from)\(request.to.map { " to \($0)" } ?? ""))")
        submit.yield(ReplayJob(replayer: replayer, start: start, end: end))
        return status
    }

    /// A replay's current status, or `nil` when no replay of `projection` has this id (or it
    /// ended long enough ago to be forgotten).
    public func replay(_ id: String, of projection: String) -> ReplayStatus? {
        replays.withLock { $0.byID[id] }.flatMap { $0.projection == projection ? $0 : nil }
    }

    private func execute(_ job: ReplayJob) async {
        let id = job.replayer.generation
        let name = job.replayer.projector.name
        update(id) { $0.phase = ReplayProgress.Phase.building.rawValue }
        do {
            let report = try await job.replayer.run(from: job.start, to: job.end) { [weak self] progress in
                self?.update(id) { $0.record(progress) }
            }
            logger.notice("replay \(name) [\(id)]: \(report.events) events in \(report.seconds) s, promoted: \(report.promoted)")
            finish(id, of: name) { $0.complete(report) }
        } catch is CancellationError {
            finish(id, of: name) { $0.fail("cancelled: the server is stopping; the live projection is untouched") }
        } catch let error as ReplayError {
            finish(id, of: name) { $0.fail(error.message) }
        } catch {
            logger.error("replay \(name) [\(id)] failed: \(error)")
            finish(id, of: name) { $0.fail("\(error); the live projection is untouched") }
        }
    }

    private func update(_ id: String, _ change: (inout ReplayStatus) -> Void) {
        replays.withLock { registry in
            guard var status = registry.byID[id] else { return }
            change(&status)
            registry.byID[id] = status
        }
    }

    private func finish(_ id: String, of projection: String, _ change: (inout ReplayStatus) -> Void) {
        let kept = finishedReplaysKept
        replays.withLock { registry in
            if var status = registry.byID[id] {
                change(&status)
                status.finishedAt = Date()
                registry.byID[id] = status
            }
            if registry.active[projection] == id { registry.active[projection] = nil }
            registry.finished.append(id)
            while registry.finished.count > kept { registry.byID[registry.finished.removeFirst()] = nil }
        }
    }
}

/// A second replay of a projection while one is queued or running.
public struct ReplayConflict: Error, Sendable {
    /// The id of the replay that is queued or running.
    public var running: String
}

/// What `startReplay` was asked: the positions as the client spelled them (echoed in the status).
public struct ReplayRequest: Sendable, Hashable {
    public var from: String
    public var to: String?

    public init(from: String, to: String?) {
        self.from = from
        self.to = to
    }
}

/// One replay as the operator API reports it.
public struct ReplayStatus: Sendable, Hashable {
    public enum State: String, Sendable, Hashable {
        case running, completed, failed
    }

    /// Also the shadow generation the replay builds.
    public var id: String
    public var projection: String
    public var request: ReplayRequest
    public var state = State.running
    /// `starting` until the replay runs, then `ReplayProgress.Phase` (building, catching-up,
    /// promoting, done).
    public var phase = "starting"
    /// Records read so far (including dead-lettered and parked ones).
    public var processed = 0
    /// Records left to the current target, over all partitions.
    public var lag: Int64 = 0
    public var eventsPerSecond = 0.0
    public var etaSeconds: Double?
    public var elapsedSeconds = 0.0
    public var startedAt: Date
    public var finishedAt: Date?
    /// Whether the shadow was swapped in (false for bounded replays, which keep it).
    public var promoted: Bool?
    public var error: String?

    init(id: String, projection: String, request: ReplayRequest, startedAt: Date) {
        self.id = id
        self.projection = projection
        self.request = request
        self.startedAt = startedAt
    }

    mutating func record(_ progress: ReplayProgress) {
        phase = progress.phase.rawValue
        processed = progress.events
        lag = progress.lag
        eventsPerSecond = progress.eventsPerSecond
        etaSeconds = progress.etaSeconds
        elapsedSeconds = progress.elapsedSeconds
    }

    mutating func complete(_ report: ReplayReport) {
        state = .completed
        phase = ReplayProgress.Phase.done.rawValue
        processed = report.events
        lag = 0
        etaSeconds = nil
        elapsedSeconds = report.seconds
        promoted = report.promoted
    }

    mutating func fail(_ message: String) {
        state = .failed
        etaSeconds = nil
        error = message
    }

    /// The response body of the replay routes.
    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(id), "projection": .string(projection), "generation": .string(id), "state": .string(state.rawValue),
            "phase": .string(phase), "from": .string(request.from), "to": request.to.map(JSONValue.string) ?? .null,
            "processed": .int(Int64(processed)), "lag": .int(lag), "total": .int(Int64(processed) + lag),
            "eventsPerSecond": .double(eventsPerSecond), "etaSeconds": etaSeconds.map(JSONValue.double) ?? .null,
            "elapsedSeconds": .double(elapsedSeconds), "startedAt": .string(RFC3339.format(startedAt)),
            "finishedAt": finishedAt.map { .string(RFC3339.format($0)) } ?? .null,
            "promoted": promoted.map(JSONValue.bool) ?? .null,
        ]
        if let error { members["error"] = .string(error) }
        return .object(members)
    }
}

/// The replays the service knows of: by id, the queued-or-running one per projection, and the
/// ended ones in the order they ended (the oldest are forgotten first).
private struct ReplayRegistry {
    var byID: [String: ReplayStatus] = [:]
    var active: [String: String] = [:]
    var finished: [String] = []
}

struct ReplayJob: Sendable {
    let replayer: Replayer
    let start: ReplayStart
    let end: ReplayEnd?
}
