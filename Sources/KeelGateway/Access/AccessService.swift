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

    /// What a caller waits for.
    enum Condition {
        case loaded
        /// Every partition read at least up to (excluding) its offset.
        case applied([TopicPartition: Int64])
    }

    struct Waiter {
        let condition: Condition
        let continuation: CheckedContinuation<Void, Never>
    }

    struct State {
        var directory = AccessDirectory()
        var positions: [TopicPartition: Int64] = [:]
        var loaded = false
        var waiters: [UUID: Waiter] = [:]

        func holds(_ condition: Condition) -> Bool {
            switch condition {
            case .loaded: loaded
            case .applied(let targets): AccessService.reached(targets, positions)
            }
        }

        /// Removes and returns the waiters whose condition now holds.
        mutating func satisfiedWaiters() -> [CheckedContinuation<Void, Never>] {
            var ready: [CheckedContinuation<Void, Never>] = []
            for (id, waiter) in waiters where holds(waiter.condition) {
                ready.append(waiter.continuation)
                waiters[id] = nil
            }
            return ready
        }
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
        let consumer = try await log.makeConsumer(
            ConsumerConfiguration(
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

    /// Waits (up to `timeout`) until the directory has read the key topics up to the end they
    /// had at start. Returns whether it has.
    public func waitUntilLoaded(timeout: Duration) async -> Bool {
        await wait(for: .loaded, timeout: timeout)
    }

    /// Waits (up to `timeout`) until the records at `coordinates` have been applied. Returns
    /// whether they were.
    @discardableResult
    public func waitUntilApplied(_ coordinates: [RecordCoordinates], timeout: Duration = .seconds(5)) async -> Bool {
        var targets: [TopicPartition: Int64] = [:]
        for coordinate in coordinates {
            let partition = TopicPartition(coordinate.topic, coordinate.partition)
            targets[partition] = max(targets[partition] ?? 0, coordinate.offset + 1)
        }
        return await wait(for: .applied(targets), timeout: timeout)
    }

    /// Suspends until `condition` holds or `timeout` passes; on timeout the waiter is removed,
    /// so neither side of the race is left hanging.
    private func wait(for condition: Condition, timeout: Duration) async -> Bool {
        let id = UUID()
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let holdsNow = self.state.withLock { state -> Bool in
                        if state.holds(condition) { return true }
                        state.waiters[id] = Waiter(condition: condition, continuation: continuation)
                        return false
                    }
                    if holdsNow { continuation.resume() }
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
                let event = try KafkaBinding.decodeStamped(key: record.key, value: record.value, headers: record.headers)
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
            return state.satisfiedWaiters()
        }
        for continuation in ready { continuation.resume() }
    }

    private func markLoadedIfCaughtUp(ends: [TopicPartition: Int64], emptyPoll: Bool) {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.loaded, emptyPoll || ends.values.contains(where: { $0 > 0 }),
                Self.reached(ends, state.positions)
            else { return [] }
            state.loaded = true
            return state.satisfiedWaiters()
        }
        for continuation in ready { continuation.resume() }
    }

    static func reached(_ targets: [TopicPartition: Int64], _ positions: [TopicPartition: Int64]) -> Bool {
        targets.allSatisfy { partition, offset in offset <= 0 || (positions[partition] ?? 0) >= offset }
    }
}

/// The gateway could not start (a missing topic, an unusable configuration).
public struct GatewayStartupError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
