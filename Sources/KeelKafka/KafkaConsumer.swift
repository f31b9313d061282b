import KeelCore
import KeelLog
import Logging
import Synchronization

/// An `EventConsumer` over its own librdkafka consumer.
///
/// Threads: every poll of librdkafka — and therefore the rebalance callback, which librdkafka runs
/// inside it — happens on `queue`, this consumer's own one-thread `BlockingExecutor` (never the
/// cooperative pool), one job at a time in submission order. `poll(timeout:)` hands one request to that
/// thread, which polls in slices of ≤ 50 ms (so cancellation and close are prompt) and gathers up to
/// `maxBatchSize` records. `commit`, `committed`, `seek` and `assignment` are thread-safe in librdkafka
/// and run on `RDBlocking.shared`, so they never wait behind a long poll.
///
/// Rebalances (cooperative-sticky): newly assigned partitions are positioned per `StartPosition` and
/// `incremental_assign`ed inside the callback, then surfaced as `.assigned`. Revoked partitions are surfaced
/// as `.revoked` *before* any later records, and their `incremental_unassign` is deferred until the next
/// `poll` call, so the application can still commit them in between (the group generation is still valid).
/// The librdkafka calls themselves are made through `RDKafkaConsumer` and `RDKafkaFetcher`.
///
/// Seeks: librdkafka discards what it fetched for the partition before the seek; records this
/// consumer had already taken from librdkafka but not yet handed out are dropped by the seek
/// itself, under `deliveryLock`, which also covers every take from librdkafka's queue.
///
/// `@unchecked Sendable`: fields under "queue-confined" are only touched on `queue`, and the
/// buffered records (`pending`, `currentBatch`) only under `deliveryLock`, which `seek` takes from
/// another thread; shared state is in a `Mutex`; `client` is immutable after `init` and
/// librdkafka's handle is thread-safe.
final class KafkaConsumer: EventConsumer, @unchecked Sendable {
    let configuration: ConsumerConfiguration
    let logger: Logger
    let groupID: String?
    let requestTimeoutMs: Int32
    /// The consumer's thread; shut down by `close()` (or `deinit`).
    let queue: BlockingExecutor
    private(set) var client: RDKafkaClient!

    /// Held while records are taken from librdkafka and buffered, while they are handed out, and
    /// by `seek` around librdkafka's seek and the purge of that partition's buffer. On
    /// `queue` it is held for at most one ≤ 50 ms poll slice.
    private let deliveryLock = Mutex(())

    // queue-confined (the buffers below also under `deliveryLock`)
    private var pending: [ConsumerEvent] = []
    private var pendingHead = 0
    private var currentBatch: [ConsumedRecord] = []
    private var revokedAwaitingUnassign: RDKafkaTopicPartitionList?
    private var closing = false
    private var topicNames = RDTopicNames()
    private var lastPollError: String?
    /// Made by the first poll; closed by `close()` (or `deinit`) before the client is destroyed.
    private var fetcher: RDKafkaFetcher?

    struct Shared {
        var closed = false
        /// Per partition, records below this offset are skipped (`.offset(n)` past the end means "wait for n").
        var floors: [TopicPartition: Int64] = [:]
        var revoking: Set<TopicPartition> = []
    }
    let shared = Mutex(Shared())

    init(configuration: ConsumerConfiguration, log: KafkaLogConfiguration, logger: Logger) throws {
        guard configuration.maxBatchSize > 0 else {
            throw EventLogError(.invalidArgument, "maxBatchSize must be positive, not \(configuration.maxBatchSize)")
        }
        self.configuration = configuration
        self.logger = logger
        self.requestTimeoutMs = RDKafka.milliseconds(log.requestTimeout)
        switch configuration.subscription {
        case .group(let id, _): groupID = id
        case .partitions(_, let commitGroup): groupID = commitGroup
        }
        let reset: String
        switch configuration.start {
        case .committed(fallback: .latest), .latest: reset = "latest"
        default: reset = "earliest"
        }
        let config = RDKafkaConfig()
        // Without group.id, librdkafka ≥ 2.x reports "Unknown group" on every poll, even for assign():
        // explicit-partition consumers without a commit group get a private one that is never committed to.
        let effectiveGroup = groupID ?? "keel-unnamed-\(UInt64.random(in: 0...UInt64.max))"
        try config.apply(log.consumerDefaults(groupID: effectiveGroup, autoOffsetReset: reset))
        try config.apply(log.properties)
        try config.apply(log.consumerProperties)
        // Started last before `self` is complete: from here on a failure goes through `deinit`.
        queue = RDBlocking.consumerThread()
        let context = RDClientContext(
            logger: logger,
            rebalance: { [weak self] rebalance in
                guard let self else { rebalance.consumer.unassignAll(); return }
                self.rebalanced(rebalance)
            })
        self.client = try RDKafkaClient(kind: .consumer, config: config, context: context)
    }

    deinit {
        if !shared.withLock({ $0.closed }) {
            fetcher?.close()
            client?.destroy()
        }
        queue.shutdown()
    }

    /// Checks the topics, then subscribes (group) or assigns (explicit partitions).
    func start() async throws {
        let client = self.client!
        let timeoutMs = requestTimeoutMs
        let topics = try await RDBlocking.shared.run { try client.allTopics(timeoutMs: timeoutMs) }
        switch configuration.subscription {
        case .group(_, let names):
            guard !names.isEmpty else { throw EventLogError(.invalidArgument, "a group subscription needs at least one topic") }
            for name in names where topics[name] == nil {
                throw EventLogError(.unknownTopic, "topic \(name) does not exist")
            }
            try await onQueue { _ in try client.consumer.subscribe(names) }
        case .partitions(let partitions, _):
            for tp in partitions {
                guard let topic = topics[tp.topic] else { throw EventLogError(.unknownTopic, "topic \(tp.topic) does not exist") }
                guard tp.partition >= 0, tp.partition < topic.partitions else {
                    throw EventLogError(.unknownPartition, "partition \(tp.partition) does not exist in \(tp.topic) (\(topic.partitions) partitions)")
                }
            }
            try await onQueue { consumer in
                client.consumer.routeMainQueueToConsumer()
                let list = RDKafkaTopicPartitionList(partitions, offset: RDLogicalOffset.invalid)
                consumer.applyFloors(try consumer.position(list, for: consumer.configuration.start))
                try client.consumer.assign(list)
                consumer.pending.append(.assigned(partitions.sorted()))
            }
        }
    }

    /// Runs `body` on the consumer's thread. Not cancellable: like the poll itself, which watches
    /// its own cancellation flag, queued work runs (a cancelled poll returns what it has, or nil).
    private func onQueue<T: Sendable>(_ body: @escaping @Sendable (KafkaConsumer) throws -> T) async throws -> T {
        try await queue.run(cancellable: false) { try body(self) }
    }

    // MARK: Positions

    /// Sets each element's start offset per `start` (queue or blocking thread: it may query the
    /// broker) and returns the partitions' floors to match (`nil`: none), for the caller to
    /// `applyFloors` once the position takes effect.
    func position(_ list: RDKafkaTopicPartitionList, for start: StartPosition) throws -> [TopicPartition: Int64?] {
        let elements = list.elements
        func floors(_ floor: Int64?) -> [TopicPartition: Int64?] {
            Dictionary(uniqueKeysWithValues: elements.map { ($0.topicPartition, floor) })
        }
        switch start {
        case .committed(let fallback):
            if groupID != nil {
                // INVALID = "the group's committed offset", then auto.offset.reset (= fallback).
                for e in elements { list.setOffset(at: e.index, RDLogicalOffset.invalid) }
            } else {
                let logical = fallback == .earliest ? RDLogicalOffset.beginning : RDLogicalOffset.end
                for e in elements { list.setOffset(at: e.index, logical) }
            }
            return floors(nil)
        case .earliest:
            for e in elements { list.setOffset(at: e.index, RDLogicalOffset.beginning) }
            return floors(0)
        case .latest:
            for e in elements { list.setOffset(at: e.index, RDLogicalOffset.end) }
            return floors(nil)
        case .offset(let offset):
            let target = max(0, offset)
            for e in elements { list.setOffset(at: e.index, target) }
            return floors(target)
        case .timestampMs(let ts):
            let offsets = try RDOffsets.forTimestamp(client, elements.map(\.topicPartition), timestampMs: ts, timeoutMs: requestTimeoutMs)
            for e in elements { list.setOffset(at: e.index, offsets[e.topicPartition] ?? RDLogicalOffset.end) }
            return floors(nil)
        }
    }

    /// Records below a partition's floor are skipped, and each delivered record raises it past
    /// itself, so a partition positioned at a known offset is delivered in offset order, each
    /// record once. librdkafka can fetch a partition twice when it is sought right after its
    /// assignment (the assignment's own start, applied late, restarts the fetch): the floor
    /// drops the second copy.
    private func applyFloors(_ floors: [TopicPartition: Int64?]) {
        shared.withLock { s in
            for (tp, floor) in floors { s.floors[tp] = floor }
        }
    }

    /// The floors and revocations to filter records by, as they are now.
    private func currentFilters() -> Filters {
        shared.withLock { Filters(floors: $0.floors, revoking: $0.revoking) }
    }

    // MARK: Rebalance (on `queue`, inside librdkafka's consumer poll / consumer close)

    private func rebalanced(_ rebalance: RDRebalance) {
        let rd = rebalance.consumer
        let cooperative = rd.isCooperative
        let list = rebalance.partitions
        switch rebalance.kind {
        case .assign:
            do {
                applyFloors(try position(list, for: configuration.start))
            } catch {
                logger.warning("positioning assigned partitions failed, using committed offsets", metadata: ["error": "\(error)"])
                for e in list.elements { list.setOffset(at: e.index, RDLogicalOffset.invalid) }
            }
            if cooperative {
                if let error = rd.incrementalAssign(list) { logger.error("incremental assign failed", metadata: ["error": "\(error)"]) }
            } else {
                _ = try? rd.assign(list)
            }
            let assigned = list.partitions.sorted()
            if !assigned.isEmpty || !cooperative {
                flushBatch()
                pending.append(.assigned(assigned))
            }
        case .revoke:
            let revoked = list.partitions.sorted()
            flushBatch()
            pending.append(.revoked(revoked))
            if closing {
                unassign(rd, list, cooperative: cooperative)
            } else {
                // Deferred to the next poll(): commits of the revoked partitions stay possible until then.
                revokedAwaitingUnassign = list.copy()
                shared.withLock { s in s.revoking.formUnion(revoked) }
            }
        case .failed(let error):
            logger.warning("consumer group rebalance error", metadata: ["error": "\(error.name)", "reason": "\(error.reason)"])
            if cooperative && !rd.assignmentLost {
                _ = rd.incrementalUnassign(list)
            } else {
                rd.unassignAll()
            }
        }
    }

    private func unassign(_ rd: RDKafkaConsumer, _ list: RDKafkaTopicPartitionList, cooperative: Bool) {
        if cooperative {
            if let error = rd.incrementalUnassign(list) { logger.warning("incremental unassign failed", metadata: ["error": "\(error)"]) }
        } else {
            rd.unassignAll()
        }
        let partitions = list.partitions
        shared.withLock { s in
            s.revoking.subtract(partitions)
            for tp in partitions { s.floors.removeValue(forKey: tp) }
        }
    }

    private func completeDeferredUnassign() {
        guard let list = revokedAwaitingUnassign else { return }
        revokedAwaitingUnassign = nil
        let rd = client.consumer
        unassign(rd, list, cooperative: rd.isCooperative)
    }

    private func flushBatch() {
        guard !currentBatch.isEmpty else { return }
        pending.append(.records(currentBatch))
        currentBatch = []
    }

    private func popPending() -> ConsumerEvent? {
        guard pendingHead < pending.count else { return nil }
        let event = pending[pendingHead]
        pendingHead += 1
        if pendingHead == pending.count {
            pending.removeAll(keepingCapacity: true)
            pendingHead = 0
        }
        return event
    }

    private var hasPending: Bool { pendingHead < pending.count }

    // MARK: Poll

    final class Cancellation: Sendable {
        let flag = Atomic<Bool>(false)
    }

    func poll(timeout: Duration) async throws -> ConsumerEvent? {
        let cancellation = Cancellation()
        let timeoutMs = Int(RDKafka.milliseconds(timeout))
        return try await withTaskCancellationHandler {
            try await onQueue { consumer in try consumer.servePoll(timeoutMs: timeoutMs, cancellation: cancellation) }
        } onCancel: {
            cancellation.flag.store(true, ordering: .releasing)
        }
    }

    /// One poll request, on `queue`.
    ///
    /// Takes whatever is already fetched without waiting (one lock round per batch instead of per
    /// record) and, when nothing is there, waits for one message in slices of ≤ 50 ms. Both serve the
    /// rebalance callback; `hasPending` tells that one ran.
    private func servePoll(timeoutMs: Int, cancellation: Cancellation) throws -> ConsumerEvent? {
        if shared.withLock({ $0.closed }) { throw EventLogError(.closed, "the consumer is closed") }
        if let event = deliveryLock.withLock({ _ in popPending() }) { return event }
        completeDeferredUnassign()
        let maxBatch = configuration.maxBatchSize
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(timeoutMs))
        var filters = currentFilters()
        let fetcher = self.fetcher ?? RDKafkaFetcher(client.consumer, capacity: maxBatch)
        self.fetcher = fetcher
        currentBatch.reserveCapacity(min(maxBatch, 4096))
        while true {
            if cancellation.flag.load(ordering: .acquiring) { break }
            let stop = try deliveryLock.withLock { _ throws -> Bool in
                var refreshed = false
                defer { if refreshed { writeBack(&filters) } }
                let taken = try fetcher.takeFetched(max: maxBatch - currentBatch.count) { message in
                    if !refreshed {
                        // Seek (another thread) may have moved floors; a rebalance callback may have run.
                        filters = currentFilters()
                        refreshed = true
                    }
                    try accept(message, &filters)
                }
                if taken == 0 {
                    if !currentBatch.isEmpty || hasPending { return true }
                    let remaining = ContinuousClock.now.duration(to: deadline)
                    if remaining <= .zero { return true }
                    let waitMs = Int32(clamping: max(1, min(50, RDKafka.milliseconds(remaining))))
                    let polled = try fetcher.poll(timeoutMs: waitMs) { message in
                        filters = currentFilters()
                        refreshed = true
                        try accept(message, &filters)
                    }
                    if !polled { return false }
                }
                return currentBatch.count >= maxBatch || hasPending
            }
            if stop { break }
        }
        return deliveryLock.withLock { _ in
            flushBatch()
            return popPending()
        }
    }

    private struct Filters {
        var floors: [TopicPartition: Int64]
        var revoking: Set<TopicPartition>
        /// Floors raised by delivered records, to write back to `shared` (under `deliveryLock`).
        var raised: Set<TopicPartition> = []
        var isEmpty: Bool { floors.isEmpty && revoking.isEmpty }
    }

    /// Writes the floors raised by delivered records back. Caller holds `deliveryLock`, which
    /// `seek` holds too when it sets a partition's floor: a raise never overwrites a later seek.
    private func writeBack(_ filters: inout Filters) {
        guard !filters.raised.isEmpty else { return }
        let raised = filters.raised
        let floors = filters.floors
        shared.withLock { s in
            for tp in raised where s.floors[tp] != nil { s.floors[tp] = floors[tp] }
        }
        filters.raised = []
    }

    /// Copies one message into `currentBatch` (or handles its error). Does not destroy it.
    @inline(__always)
    private func accept(_ message: RDKafkaMessage, _ filters: inout Filters) throws {
        if let error = message.error {
            try handle(error, in: message)
            return
        }
        let topic = topicNames.name(of: message)
        if !filters.isEmpty {
            let tp = TopicPartition(topic, message.partition)
            if filters.revoking.contains(tp) { return }
            if let floor = filters.floors[tp] {
                let offset = message.offset
                if offset < floor { return }
                filters.floors[tp] = offset + 1
                filters.raised.insert(tp)
            }
        }
        currentBatch.append(message.record(topic: topic))
    }

    /// A consumer error message: fatal ones are thrown, the rest logged (librdkafka retries them itself).
    private func handle(_ error: RDKafkaError, in message: RDKafkaMessage) throws {
        if error.isPartitionEOF { return }
        if let fatal = client.consumer.fatalError() { throw fatal }
        let text = message.errorText
        if text != lastPollError {
            logger.warning("Kafka consumer error", metadata: ["error": "\(error.name)", "reason": "\(text)"])
            lastPollError = text
        }
    }

    // MARK: Offsets

    func commit(_ offsets: [PartitionOffset]) async throws {
        guard !offsets.isEmpty else { return }
        try checkOpen()
        guard groupID != nil else {
            throw EventLogError(.invalidArgument, "this consumer has no group to commit to (set commitGroup)")
        }
        let client = self.client!
        try await RDBlocking.shared.run {
            let list = RDKafkaTopicPartitionList(capacity: offsets.count)
            for o in offsets { list.add(o.topicPartition, offset: o.offset) }
            try client.consumer.commit(list)
            if let error = list.firstError("commit of") { throw error }
        }
    }

    func committed(_ partitions: [TopicPartition]) async throws -> [TopicPartition: Int64] {
        guard !partitions.isEmpty else { return [:] }
        try checkOpen()
        guard groupID != nil else { return [:] }
        let client = self.client!
        let timeoutMs = requestTimeoutMs
        return try await RDBlocking.shared.run {
            let list = RDKafkaTopicPartitionList(partitions)
            try client.consumer.committed(list, timeoutMs: timeoutMs)
            if let error = list.firstError("committed offset of") { throw error }
            var result: [TopicPartition: Int64] = [:]
            for e in list.elements where e.offset >= 0 { result[e.topicPartition] = e.offset }
            return result
        }
    }

    /// Right after an assignment librdkafka refuses a seek (invalid state) until the partition's
    /// fetcher has started (it is still looking up its start offset; longer on a loaded machine):
    /// that refusal is retried until `requestTimeout`, every other error is thrown.
    func seek(_ partition: TopicPartition, to position: StartPosition) async throws {
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(Int64(requestTimeoutMs)))
        while true {
            try checkOpen()
            guard try await assignment().contains(partition) else {
                throw EventLogError(.invalidArgument, "cannot seek \(partition): not assigned to this consumer")
            }
            let refusal = try await seekOnce(partition, to: position)
            guard let refusal else { return }
            guard refusal.isInvalidState, ContinuousClock.now < deadline else {
                throw refusal.eventLogError("seek \(partition)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// One seek of librdkafka's; returns the partition's own error, if any.
    private func seekOnce(_ partition: TopicPartition, to position: StartPosition) async throws -> RDKafkaError? {
        let client = self.client!
        let timeoutMs = requestTimeoutMs
        return try await RDBlocking.shared.run { [self] in
            let list = RDKafkaTopicPartitionList([partition])
            var start = position
            if case .committed(let fallback) = position {
                // Resolve now: seek needs a concrete (or logical) offset.
                let committedList = RDKafkaTopicPartitionList([partition])
                if groupID != nil, (try? client.consumer.committed(committedList, timeoutMs: timeoutMs)) != nil,
                    let offset = committedList.elements.first?.offset, offset >= 0
                {
                    start = .offset(offset)
                } else {
                    start = fallback == .earliest ? .earliest : .latest
                }
            }
            let floors = try self.position(list, for: start)
            return try deliveryLock.withLock { _ throws -> RDKafkaError? in
                try client.consumer.seek(list, timeoutMs: timeoutMs, what: "seek \(partition)")
                if let refusal = list.elements.first(where: { $0.error != nil })?.error { return refusal }
                // Taken before the seek, from the old position: the new one re-fetches what counts.
                dropBuffered(partition)
                // Set with the seek, under the lock: no record taken before it can raise the floor.
                applyFloors(floors)
                return nil
            }
        }
    }

    /// Drops `partition`'s records that were taken from librdkafka but not handed out yet.
    /// Caller holds `deliveryLock`.
    private func dropBuffered(_ partition: TopicPartition) {
        func keep(_ record: ConsumedRecord) -> Bool { record.partition != partition.partition || record.topic != partition.topic }
        currentBatch.removeAll { !keep($0) }
        guard pendingHead < pending.count else { return }
        pending = pending[pendingHead...].compactMap { event in
            guard case .records(let records) = event else { return event }
            let kept = records.filter(keep)
            return kept.isEmpty ? nil : .records(kept)
        }
        pendingHead = 0
    }

    func assignment() async throws -> [TopicPartition] {
        try checkOpen()
        let client = self.client!
        let revoking = shared.withLock { $0.revoking }
        return try await RDBlocking.shared.run {
            try client.consumer.assignment().filter { !revoking.contains($0) }.sorted()
        }
    }

    private func checkOpen() throws {
        if shared.withLock({ $0.closed }) { throw EventLogError(.closed, "the consumer is closed") }
    }

    // MARK: Close

    func close() async throws {
        let first = shared.withLock { s -> Bool in
            defer { s.closed = true }
            return !s.closed
        }
        guard first else { return }
        defer { queue.shutdown() }  // its thread exits once the close below has run
        try await onQueue { consumer in
            consumer.closing = true
            consumer.completeDeferredUnassign()
            consumer.fetcher?.close()
            consumer.fetcher = nil
            if let error = consumer.client.consumer.close() {
                consumer.logger.debug("consumer close failed", metadata: ["error": "\(error.name)"])
            }
            consumer.client.destroy()
            consumer.deliveryLock.withLock { _ in
                consumer.pending = []
                consumer.currentBatch = []
            }
        }
    }
}
