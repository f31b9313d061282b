import KeelCore
import KeelLog
import KeelWorkflow
import Logging
import ServiceLifecycle
import Synchronization

/// The `executor` role: owns runs through the consumer group of `keel.workflow.commands`, decides
/// each command with `RunDecider`, records the events on `keel.workflow.runs` (co-partitioned:
/// owning commands partition p means owning runs partition p), and only then performs effects.
///
/// Guarantees:
/// - **Record before effect:** a step attempt's side effect starts only after its `step.scheduled`
///   event is durable; its outcome is recorded before the run moves on. Replaying the runs topic
///   rebuilds every run without calling anything.
/// - **At most once per attempt while alive; repeated with the same `Idempotency-Key` after a
///   crash:** on a new assignment the executor folds the partition's history and relaunches the
///   attempts that were scheduled but not finished, with their original attempt numbers.
/// - **Commands are committed only once decided**, so a crash re-reads undecided commands; every
///   command is idempotent against the run's state (a second start, cancel or timer firing is
///   refused or ignored).
/// - Per run, inputs are decided one at a time in arrival order; runs proceed concurrently.
public final class ExecutorService: Service, Sendable {
    public struct Configuration: Sendable {
        public var group = "keel.executor"
        public var kinds: StepKinds = .builtIn
        public init() {}
    }

    enum Input: Sendable {
        case consumer(ConsumerEvent)
        case outcome(key: String, partition: Int32, RunDecider.StepOutcome)
        case work(key: String, batch: [RunTable.Pending])
        case launch(key: String, partition: Int32, StepAttempt)
        case decided(RunTable.CommandPosition)
        case cancelRun(key: String)
        case consumerEnded
    }

    let writer: KeelEventWriter
    let runners: StepRunners
    let configuration: Configuration
    let logger: Logger
    let decider: RunDecider
    let table = RunTable()
    /// Finds a child step's workflow version (tenant, workflow id, pinned version or latest).
    let childResolver: (@Sendable (String, String, Int?) -> WorkflowVersion?)?

    public init(
        writer: KeelEventWriter, runners: StepRunners, registry: WorkflowRegistry? = nil, configuration: Configuration = Configuration(),
        logger: Logger
    ) {
        if let registry {
            self.childResolver = { @Sendable (tenant: String, id: String, version: Int?) -> WorkflowVersion? in
                let directory = registry.directory
                if let version { return directory.version(tenant: tenant, workflowId: id, version: version) }
                return directory.latest(tenant: tenant, workflowId: id)
            }
        } else {
            self.childResolver = nil
        }
        self.writer = writer
        self.runners = runners
        self.configuration = configuration
        self.logger = logger
        self.decider = RunDecider(kinds: configuration.kinds)
    }

    /// How many runs this process holds (active and recently finished).
    public var ownedRuns: Int { table.count }

    public func run() async throws {
        let consumer = try await writer.log.makeConsumer(
            ConsumerConfiguration(
                subscription: .group(id: configuration.group, topics: [RunRequests.commandsTopic]),
                start: .committed(fallback: .earliest), maxBatchSize: 500))
        let (inputs, continuation) = AsyncStream<Input>.makeStream()
        let context = LoopContext(service: self, consumer: consumer, continuation: continuation)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    for try await event in consumer.events { continuation.yield(.consumer(event)) }
                } catch {
                    self.logger.error("executor: consumer failed", metadata: ["error": "\(error)"])
                }
                continuation.yield(.consumerEnded)
            }
            // The ticker commits decided offsets every 200 ms and, on graceful shutdown, closes
            // the consumer, which ends the pump and so the loop.
            group.addTask {
                while !Task.isShuttingDownGracefully, !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(200))
                    continuation.yield(.decided(RunTable.CommandPosition(partition: -1, offset: -1)))
                }
                try? await consumer.close()
            }
            await Self.loop(context, inputs: inputs, group: &group)
            group.cancelAll()
        }
        try? await consumer.close()
    }
}

extension ExecutorService {
    static func loop(_ context: LoopContext, inputs: AsyncStream<Input>, group: inout TaskGroup<Void>) async {
        var loop = context
        for await input in inputs {
            if case .consumerEnded = input { break }
            await loop.handle(input, group: &group)
        }
        await loop.commit()
    }
}

/// The main loop's own state (owned by the loop's task alone, so no lock).
struct LoopContext {
    let service: ExecutorService
    let consumer: any EventConsumer
    let continuation: AsyncStream<ExecutorService.Input>.Continuation
    var commits = CommitTracker()
    var owned: Set<Int32> = []
    /// In-flight step attempts, by run key, so a cancelled run cancels them.
    var inFlight: [String: [String: Task<Void, Never>]] = [:]
    var lastCommitted: [Int32: Int64] = [:]

    init(service: ExecutorService, consumer: any EventConsumer, continuation: AsyncStream<ExecutorService.Input>.Continuation) {
        self.service = service
        self.consumer = consumer
        self.continuation = continuation
    }

    mutating func handle(_ input: ExecutorService.Input, group: inout TaskGroup<Void>) async {
        switch input {
        case .consumer(.assigned(let partitions)):
            let numbers = Set(partitions.map(\.partition))
            owned.formUnion(numbers)
            for partition in numbers.sorted() { await recover(partition) }
        case .consumer(.revoked(let partitions)):
            let numbers = Set(partitions.map(\.partition))
            await commit()
            owned.subtract(numbers)
            commits.forget(numbers)
            for key in service.table.drop(partitions: numbers) { cancelAttempts(key) }
        case .consumer(.records(let records)):
            for record in records { route(record) }
        case .outcome(let key, let partition, let outcome):
            inFlight[key]?[outcome.attemptKey] = nil
            dispatch(key, partition: partition, RunTable.Pending(input: .decide(.stepFinished(outcome)), source: nil))
        case .work(let key, let batch):
            let service = self.service
            let continuation = self.continuation
            group.addTask { await service.work(key, batch: batch, continuation: continuation) }
        case .launch(let key, let partition, let attempt):
            launch(key, partition: partition, attempt, group: &group)
        case .decided(let position):
            if position.partition >= 0 { commits.decided(position) } else { await commit() }
        case .cancelRun(let key):
            cancelAttempts(key)
        case .consumerEnded:
            break
        }
    }

    mutating func route(_ record: ConsumedRecord) {
        let position = RunTable.CommandPosition(partition: record.partition, offset: record.offset)
        commits.received(position)
        guard let event = try? KafkaBinding.decodeStamped(key: record.key, value: record.value, headers: record.headers),
            let addressed = RunCommandWire.decode(event)
        else {
            service.logger.warning("executor: skipping an unreadable command", metadata: ["at": "\(record.coordinates)"])
            commits.decided(position)
            return
        }
        let key = addressed.tenant + "/" + addressed.runId
        dispatch(key, partition: record.partition, RunTable.Pending(input: addressed.command, source: position))
    }

    func dispatch(_ key: String, partition: Int32, _ pending: RunTable.Pending) {
        if let batch = service.table.enqueue(key, partition: partition, pending) {
            continuation.yield(.work(key: key, batch: batch))
        }
    }

    mutating func launch(_ key: String, partition: Int32, _ attempt: StepAttempt, group: inout TaskGroup<Void>) {
        guard let runner = service.runners[attempt.kind] else {
            let outcome = RunDecider.StepOutcome(
                stepId: attempt.stepId, attempt: attempt.attempt, item: attempt.item,
                result: .failure(StepError(code: "kind", message: "no runner for step kind '\(attempt.kind)' in this executor")),
                retryable: false, durationMs: 0)
            continuation.yield(.outcome(key: key, partition: partition, outcome))
            return
        }
        let continuation = self.continuation
        // An unstructured task only so that a cancelled run can cancel this attempt; it is still
        // awaited by a child of the service's task group below, so it never outlives `run()`.
        let task = Task {
            let started = ContinuousClock.now
            let result: Result<JSONValue, StepFailure>
            do throws(StepFailure) {
                result = .success(try await runner.run(attempt))
            } catch {
                result = .failure(error)
            }
            let elapsed = ContinuousClock.now - started
            let durationMs = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
            let outcome: RunDecider.StepOutcome
            switch result {
            case .success(let output):
                outcome = RunDecider.StepOutcome(
                    stepId: attempt.stepId, attempt: attempt.attempt, item: attempt.item, result: .success(output), durationMs: durationMs)
            case .failure(let failure):
                outcome = RunDecider.StepOutcome(
                    stepId: attempt.stepId, attempt: attempt.attempt, item: attempt.item, result: .failure(failure.error),
                    retryable: failure.retryable, durationMs: durationMs)
            }
            continuation.yield(.outcome(key: key, partition: partition, outcome))
        }
        inFlight[key, default: [:]][attempt.attemptKey] = task
        group.addTask { await task.value }
    }

    mutating func cancelAttempts(_ key: String) {
        for task in (inFlight.removeValue(forKey: key) ?? [:]).values { task.cancel() }
    }

    mutating func commit() async {
        let offsets = commits.committable().filter { owned.contains($0.key) && lastCommitted[$0.key] != $0.value }
        guard !offsets.isEmpty else { return }
        do {
            try await consumer.commit(offsets.map { PartitionOffset(TopicPartition(RunRequests.commandsTopic, $0.key), $0.value) })
            for (partition, offset) in offsets { lastCommitted[partition] = offset }
        } catch {
            service.logger.warning("executor: commit failed; it is retried", metadata: ["error": "\(error)"])
        }
    }
}

extension RunDecider.StepOutcome {
    var attemptKey: String { "\(stepId)/\(attempt)/\(item ?? -1)" }
}

extension StepAttempt {
    var attemptKey: String { "\(stepId)/\(attempt)/\(item ?? -1)" }
}
