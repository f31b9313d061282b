import KeelCore
import KeelLog
import KeelWorkflow
import Logging
import ServiceLifecycle
import Synchronization

/// This process's view of every tenant's workflow definitions, following
/// `keel.workflow.definitions` from its first record, and the one way to register a version.
///
/// Guarantees:
/// - **Read-your-writes:** `register` returns once the new version is in this registry.
/// - **Versions are dense and immutable per process:** registrations are serialised here; across
///   processes a concurrent duplicate number is ignored by every reader (`WorkflowDirectory`).
/// - Thread-safety: all methods may be called from any task; state is under one lock.
public final class WorkflowRegistry: Service, Sendable {
    public static let topic = "keel.workflow.definitions"

    struct State {
        var directory = WorkflowDirectory()
        var positions: [Int32: Int64] = [:]
        var loaded = false
    }

    let writer: KeelEventWriter
    let kinds: StepKinds
    let logger: Logger
    private let state = Mutex(State())
    private let registering = Mutex<Bool>(false)

    public init(writer: KeelEventWriter, kinds: StepKinds = .builtIn, logger: Logger) {
        self.writer = writer
        self.kinds = kinds
        self.logger = logger
    }

    public var directory: WorkflowDirectory { state.withLock { $0.directory } }
    public var isLoaded: Bool { state.withLock { $0.loaded } }

    public func run() async throws {
        let log = writer.log
        guard let description = try await log.describeTopic(Self.topic) else {
            throw WorkflowRegistryError(message: "topic '\(Self.topic)' does not exist: apply the catalog first (`keel topics apply`)")
        }
        let partitions = (0..<description.partitions).map { TopicPartition(Self.topic, Int32($0)) }
        let ends = try await LogOffsets.ends(of: [Self.topic], in: log)
        let consumer = try await log.makeConsumer(ConsumerConfiguration(subscription: .partitions(partitions), start: .earliest))
        var emptyPolls = 0
        do {
            while !Task.isShuttingDownGracefully, !Task.isCancelled {
                if case .records(let records)? = try await consumer.poll(timeout: .milliseconds(100)) {
                    emptyPolls = 0
                    apply(records)
                } else {
                    emptyPolls += 1
                }
                state.withLock { state in
                    if !state.loaded, emptyPolls >= 3 || ends.allSatisfy({ (state.positions[$0.key.partition] ?? 0) >= $0.value }) {
                        state.loaded = ends.values.contains { $0 > 0 } || emptyPolls >= 3
                    }
                }
            }
        } catch let error as EventLogError where error.code == .closed {
            // The log is shutting down with the process.
        }
        try? await consumer.close()
    }

    func apply(_ records: [ConsumedRecord]) {
        var events: [(Int32, Int64, CloudEvent?)] = []
        for record in records {
            let event = try? KafkaBinding.decodeStamped(key: record.key, value: record.value, headers: record.headers)
            events.append((record.partition, record.offset, event))
        }
        state.withLock { state in
            for (partition, offset, event) in events {
                if let event { state.directory.apply(event, kinds: kinds) }
                state.positions[partition] = offset + 1
            }
        }
    }

    /// Registers `definition` as the workflow's next version and returns it once applied here.
    public func register(
        tenant: String, definition: WorkflowDefinition, changeDescription: String?, createdBy: String?, rollbackOf: Int? = nil,
        nowMs: Int64
    ) async throws -> WorkflowVersion {
        try await serialised {
            let number = directory.nextVersion(tenant: tenant, workflowId: definition.id)
            let data = WorkflowDirectory.versionedData(
                definition, version: number, changeDescription: changeDescription, createdBy: createdBy, rollbackOf: rollbackOf)
            let event = try writer.event(
                type: WorkflowDirectory.versionedType, topic: Self.topic, tenant: tenant, data: data,
                id: "\(tenant)/\(definition.id)@v\(number)", nowMs: nowMs)
            try await appendAndApply(event)
            guard let version = directory.version(tenant: tenant, workflowId: definition.id, version: number) else {
                throw WorkflowRegistryError(message: "version \(number) of \(definition.id) was registered elsewhere at the same time; retry")
            }
            return version
        }
    }

    /// Marks a workflow deleted: existing runs finish, new runs are refused; versions stay listed.
    public func delete(tenant: String, workflowId: String, nowMs: Int64) async throws {
        try await serialised {
            let number = directory.nextVersion(tenant: tenant, workflowId: workflowId)
            let event = try writer.event(
                type: WorkflowDirectory.deletedType, topic: Self.topic, tenant: tenant,
                data: .object([
                    "workflowId": .string(workflowId), "version": .int(Int64(number)), "versionKey": .string("\(workflowId)@v\(number)"),
                ]),
                id: "\(tenant)/\(workflowId)@v\(number)", nowMs: nowMs)
            try await appendAndApply(event)
        }
    }

    private func appendAndApply(_ event: CloudEvent) async throws {
        let coordinates = try await writer.append([event], to: Self.topic)[0]
        state.withLock { state in
            state.directory.apply(event, kinds: kinds)
            state.positions[coordinates.partition] = max(state.positions[coordinates.partition] ?? 0, coordinates.offset + 1)
        }
    }

    /// One registration at a time in this process, so version numbers are dense.
    private func serialised<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        while !registering.withLock({ busy in
            if busy { return false }
            busy = true
            return true
        }) {
            try await Task.sleep(for: .milliseconds(1))
        }
        defer { registering.withLock { $0 = false } }
        return try await body()
    }
}

public struct WorkflowRegistryError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
