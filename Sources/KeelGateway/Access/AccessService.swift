import Foundation
import KeelCore
import KeelLog
import KeelRuntime
import Logging
import ServiceLifecycle
import Synchronization

/// Keeps this gateway's view of tenants and API keys current by following `keel.tenants` and
/// `keel.apikeys` from their first record, live.
///
/// Guarantees:
/// - **Every instance converges within the log's live-tail latency** (well under a second on
///   both logs): a revocation produced by any gateway is applied here as soon as it is read.
/// - **Read-your-writes** for admin commands: `waitUntilApplied` returns once the records just
///   produced are in the directory.
/// - **Not ready until loaded:** `isLoaded` turns true once the directory has read up to the end
///   the topics had when the service started (and, as some logs do not report end offsets, until
///   a poll came back empty); `/readyz` and authentication wait for it.
/// - Thread-safety: every method may be called from any task; state is under one lock.
public final class AccessService: Service, Sendable {
    public static let topics = ["keel.tenants", "keel.apikeys"]

    struct Waiter {
        let targets: [TopicPartition: Int64]
        let continuation: CheckedContinuation<Void, Never>
    }

    struct State {
        var directory = AccessDirectory()
        var positions: [TopicPartition: Int64] = [:]
        var loaded = false
        var loadWaiters: [CheckedContinuation<Void, Never>] = []
        var waiters: [UUID: Waiter] = [:]
    }

    let log: any EventLog
    let logger: Logger
    let bootstrap: AdminBootstrap?
    private let state = Mutex(State())

    /// With `announceBootstrapKey`, an admin key is created once loaded if none is usable (see
    /// `AdminBootstrap`) and its token passed to the closure; without it (`KEEL_ADMIN_KEY` set),
    /// nothing is created.
    public init(log: any EventLog, logger: Logger, announceBootstrapKey: (@Sendable (String) -> Void)? = nil) {
        self.log = log
        self.logger = logger
        self.bootstrap = announceBootstrapKey.map { AdminBootstrap(log: log, announce: $0) }
    }

    public var isLoaded: Bool { state.withLock { $0.loaded } }

    /// A consistent copy of the directory (cheap: copy-on-write dictionaries).
    public var directory: AccessDirectory { state.withLock { $0.directory } }

    public func run() async throws {
        var partitions: [TopicPartition] = []
        for topic in Self.topics {
            guard let description = try await log.describeTopic(topic) else {
                throw GatewayStartupError("topic '\(topic)' does not exist: apply the catalog first (`keel topics apply`)")
            }
            partitions += (0..<description.partitions).map { TopicPartition(topic, Int32($0)) }
        }
        let ends = try await LogOffsets.ends(of: Set(Self.topics), in: log)
        let consumer = try await log.makeConsumer(ConsumerConfiguration(
            subscription: .partitions(partitions), start: .earliest, maxBatchSize: 1000))
        // Logs that report no end offsets (tansu answers 0) are taken as read once several
        // consecutive polls came back empty, so a slow first fetch is not mistaken for the end.
        var emptyPolls = 0
        var bootstrapped = bootstrap == nil
        do {
            while !Task.isShuttingDownGracefully, !Task.isCancelled {
                switch try await consumer.poll(timeout: .milliseconds(100)) {
                case .records(let records)?:
                    emptyPolls = 0
                    apply(records)
                    markLoadedIfCaughtUp(ends: ends, emptyPoll: false)
                case nil:
                    emptyPolls += 1
                    markLoadedIfCaughtUp(ends: ends, emptyPoll: emptyPolls >= 5)
                    if !bootstrapped, isLoaded, let bootstrap {
                        bootstrapped = true
                        try await bootstrap.runIfNeeded(self, logger: logger)
                    }
                default:
                    continue
                }
            }
        } catch let error as EventLogError where error.code == .closed {
            // The log was shut down under us: the process is stopping.
        } catch {
            try? await consumer.close()
            throw error
        }
        try? await consumer.close()
    }

    /// Waits until the directory has read the log at least up to `ends`' positions.
    public func waitUntilLoaded() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                if state.loaded { return true }
                state.loadWaiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// Waits (up to `timeout`) until the records at `coordinates` have been applied. Returns
    /// whether they were.
    @discardableResult
    public func waitUntilApplied(_ coordinates: [RecordCoordinates], timeout: Duration = .seconds(5)) async -> Bool {
        var wanted: [TopicPartition: Int64] = [:]
        for coordinate in coordinates {
            let partition = TopicPartition(coordinate.topic, coordinate.partition)
            wanted[partition] = max(wanted[partition] ?? 0, coordinate.offset + 1)
        }
        let id = UUID()
        let targets = wanted
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let resumeNow = self.state.withLock { state -> Bool in
                        if Self.reached(targets, state.positions) { return true }
                        state.waiters[id] = Waiter(targets: targets, continuation: continuation)
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
                return true
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            if !first {
                let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
                waiter?.continuation.resume()
            }
            group.cancelAll()
            return first
        }
    }

    /// Applies records to the directory and wakes the waiters they satisfy. Records that are not
    /// valid tenant/key events are logged and skipped (they cannot have come from a gateway).
    func apply(_ records: [ConsumedRecord]) {
        var events: [(TopicPartition, Int64, CloudEvent?)] = []
        events.reserveCapacity(records.count)
        for record in records {
            do {
                let event = try KafkaBinding.decode(key: record.key, value: record.value, headers: record.headers)
                events.append((record.topicPartition, record.offset, event))
            } catch {
                logger.warning("access: skipping undecodable record \(record.coordinates): \(error)")
                events.append((record.topicPartition, record.offset, nil))
            }
        }
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            for (partition, offset, event) in events {
                if let event, !state.directory.apply(event) {
                    logger.warning("access: ignoring \(event.type) at \(partition)@\(offset)")
                }
                state.positions[partition] = offset + 1
            }
            var ready: [CheckedContinuation<Void, Never>] = []
            for (id, waiter) in state.waiters where Self.reached(waiter.targets, state.positions) {
                ready.append(waiter.continuation)
                state.waiters[id] = nil
            }
            return ready
        }
        for continuation in ready { continuation.resume() }
    }

    private func markLoadedIfCaughtUp(ends: [TopicPartition: Int64], emptyPoll: Bool) {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                        guard !state.loaded, emptyPoll || ends.values.contains(where: { $0 > 0 }),
                Self.reached(ends, state.positions)
            else { return [] }
            state.loaded = true
            defer { state.loadWaiters = [] }
            return state.loadWaiters
        }
        for continuation in ready { continuation.resume() }
    }

    private static func reached(_ targets: [TopicPartition: Int64], _ positions: [TopicPartition: Int64]) -> Bool {
        targets.allSatisfy { partition, offset in offset <= 0 || (positions[partition] ?? 0) >= offset }
    }
}

/// The gateway could not start (a missing topic, an unusable configuration).
public struct GatewayStartupError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
