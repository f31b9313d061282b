import KeelCore
import KeelLog
import KeelStore
import Logging
import ServiceLifecycle

/// Runs one projector live: consumer group `keel.projector.<name>` over its topics (plus the
/// dead-letter topic, for operator requests), projecting into the live generation.
///
/// Guarantees:
/// - **The store is authoritative.** On every assignment each partition is sought to the
///   store's checkpoint (its start when there is none); log offset commits (at most once per
///   `commitInterval`, when idle, on revocation and at stop) only spare seek work for other tools.
/// - **Exactly-once effect.** Changes and the checkpoint are applied atomically; records behind
///   the checkpoint are dropped before projection; a batch the store reports as already applied
///   makes the service re-read the checkpoint and seek (nothing is counted twice).
/// - **Outages pause, never skip.** Store or log failures are retried with capped backoff, with
///   one warning when paused and one notice on resume.
/// - **Graceful shutdown** (SIGTERM through `ServiceGroup`): the batch in hand is finished and
///   its checkpoint written, offsets are committed, the consumer is closed.
public final class ProjectorService: Service {
    public struct Configuration: Sendable {
        /// Upper bound on records per poll (one atomic batch, before merging).
        public var maxBatchSize: Int = 5000
        /// Return from `run()` once every partition has reached the end of the log (tests, batch
        /// jobs, `keel serve --exit-when-caught-up`).
        public var stopWhenCaughtUp = false
        public var initialBackoff: Duration = .milliseconds(100)
        public var maximumBackoff: Duration = .seconds(30)
        /// Log offsets are committed at most this often (and when stopping): they only spare
        /// seek work, the store's checkpoint is authoritative.
        public var commitInterval: Duration = .seconds(1)
        /// Shared by the projectors of one process on one log, so each record is decoded once
        /// for all of them; nil: this projector decodes for itself.
        public var decoder: SharedRecordDecoder?

        public init() {}
    }

    public let projector: any Projector
    let log: any EventLog
    let store: any ProjectionStore
    let upcasters: UpcasterChain
    let configuration: Configuration
    let logger: Logger
    let onReady: @Sendable (String) -> Void

    /// `onReady` is called once, with the projector's name, after its first assignment.
    public init(
        projector: any Projector, log: any EventLog, store: any ProjectionStore, upcasters: UpcasterChain = .standard,
        configuration: Configuration = .init(), logger: Logger, onReady: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.projector = projector
        self.log = log
        self.store = store
        self.upcasters = upcasters
        self.configuration = configuration
        self.logger = logger
        self.onReady = onReady
    }

    /// The consumer group of a projector.
    public static func group(of projection: String) -> String { "keel.projector.\(projection)" }

    public func run() async throws {
        let backoff = Backoff(initial: configuration.initialBackoff, maximum: configuration.maximumBackoff)
        let engine = ProjectionEngine(
            projector: projector, upcasters: upcasters, log: log, store: store, target: .live(projector.name), mode: .live,
            backoff: backoff, decoder: configuration.decoder, logger: logger)
        try await ensureDeadLetterIndex(backoff)
        try await engine.declareKeyedSets()
        try await engine.loadDeadLetters()
        let consumer = try await backoff.run("\(engine.label): joining \(Self.group(of: projector.name))", logger: logger) {
            try await self.log.makeConsumer(
                ConsumerConfiguration(
                    subscription: .group(id: Self.group(of: self.projector.name), topics: engine.subscribedTopics),
                    start: .committed(fallback: .earliest), maxBatchSize: self.configuration.maxBatchSize))
        }
        do {
            try await loop(engine, consumer)
            try await commit(engine, consumer)
            try await consumer.close()
        } catch {
            try? await consumer.close()
            throw error
        }
        logger.info("projector stopped", metadata: ["projector": "\(engine.target)", "partitions": "\(engine.positions.count)"])
    }

    private func loop(_ engine: ProjectionEngine, _ consumer: any EventConsumer) async throws {
        var ready = false
        let clock = ContinuousClock()
        var lastCommit = clock.now
        var uncommitted = false
        func commitApplied() async throws {
            guard uncommitted else { return }
            try await commit(engine, consumer)
            (lastCommit, uncommitted) = (clock.now, false)
        }
        // Graceful shutdown is checked between batches only: a batch in hand is always finished.
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            guard let event = try await consumer.poll(timeout: .milliseconds(200)) else {
                try await commitApplied()
                if configuration.stopWhenCaughtUp, ready, try await caughtUp(engine, consumer) { return }
                continue
            }
            switch event {
            case .assigned(let partitions):
                logger.info("partitions assigned", metadata: ["projector": "\(engine.target)", "partitions": "\(partitions.count)"])
                try await seek(partitions, engine, consumer)
                if !ready {
                    ready = true
                    onReady(projector.name)
                }
            case .revoked(let partitions):
                // Everything consumed was applied before this poll; drop the partitions.
                logger.info("partitions revoked", metadata: ["projector": "\(engine.target)", "partitions": "\(partitions.count)"])
                try await commitApplied()
                for partition in partitions {
                    engine.positions[partition] = nil
                    engine.confirmed[partition] = nil
                }
            case .records(let records):
                switch try await engine.process(records) {
                case .applied:
                    uncommitted = true
                    if lastCommit.duration(to: clock.now) >= configuration.commitInterval { try await commitApplied() }
                case .resync:
                    try await engine.loadDeadLetters()
                    try await seek(try await consumer.assignment(), engine, consumer)
                }
            }
        }
    }

    /// Seeks `partitions` to the store's checkpoint (the start of the partition when none). A
    /// failed seek is retried like any log outage: reading from anywhere else could skip or
    /// repeat work.
    private func seek(_ partitions: [TopicPartition], _ engine: ProjectionEngine, _ consumer: any EventConsumer) async throws {
        let stored = try await engine.storedPositions(partitions)
        for partition in partitions {
            engine.confirmed[partition] = stored[partition]
            try await engine.backoff.run("\(engine.label): seeking \(partition)", logger: logger) {
                try await consumer.seek(partition, to: stored[partition].map { .offset($0) } ?? .earliest)
            }
            engine.positions[partition] = stored[partition] ?? 0
        }
    }

    /// Kafka commits are an optimisation: a failure is logged, never fatal.
    private func commit(_ engine: ProjectionEngine, _ consumer: any EventConsumer) async throws {
        let offsets = engine.positions.map { PartitionOffset($0.key, $0.value) }
        do {
            try await consumer.commit(offsets)
        } catch {
            logger.debug(
                "offset commit failed (the store checkpoint is authoritative)",
                metadata: ["projector": "\(engine.target)", "error": "\(error)"])
        }
    }

    private func caughtUp(_ engine: ProjectionEngine, _ consumer: any EventConsumer) async throws -> Bool {
        let assigned = try await consumer.assignment()
        let ends = try await LogOffsets.ends(of: Set(assigned.map(\.topic)), in: log)
        return assigned.allSatisfy { (engine.positions[$0] ?? 0) >= (ends[$0] ?? 0) }
    }

    private func ensureDeadLetterIndex(_ backoff: Backoff) async throws {
        _ = try await backoff.run("projector \(projector.name): declaring indexes", logger: logger) {
            try await self.store.ensureIndexes(
                .live(self.projector.name), collection: DeadLetterEntry.collection(of: self.projector.name),
                indexes: [IndexSpec(name: "by_block_key", fields: [SortField("blockKey"), SortField("offset")])])
        }
    }
}
