import KeelCore
import KeelLog
import Synchronization

/// A consumer of an `EmbeddedEventLog`: explicit partitions or an in-process group member.
///
/// Reads run on the log's reader threads (one SQL range query per partition per poll); an idle
/// poll suspends on the log's `ChangeNotifier`, which the writer bumps after each commit (or the
/// inotify watcher, in read-only mode), so tailing never sleep-polls.
final class EmbeddedConsumer: EventConsumer {
    private struct PartitionState {
        var topicID: Int64
        var position: Int64
        var epoch: UInt64
    }

    private struct State {
        var closed = false
        var assigned: [TopicPartition] = []
        var partitions: [TopicPartition: PartitionState] = [:]
        var rotation = 0
        var epochs: UInt64 = 0
        var initialAssignment: [TopicPartition]?
    }

    private let log: EmbeddedEventLog
    private let configuration: ConsumerConfiguration
    private let commitGroup: String?
    private let membership: (group: String, member: UInt64)?
    private let gate = AsyncGate()
    private let state: Mutex<State>

    init(log: EmbeddedEventLog, configuration: ConsumerConfiguration, explicit: [TopicPartition]?, membership: (group: String, member: UInt64)?) {
        self.log = log
        self.configuration = configuration
        self.membership = membership
        switch configuration.subscription {
        case .group(let id, _): commitGroup = id
        case .partitions(_, let group): commitGroup = group
        }
        var initial = State()
        initial.initialAssignment = explicit
        state = Mutex(initial)
    }

    private func checkOpen() throws(EventLogError) {
        if state.withLock({ $0.closed }) { throw EventLogError(.closed, "the consumer was closed") }
        try log.checkOpen()
    }

    // MARK: EventConsumer

    func poll(timeout: Duration) async throws -> ConsumerEvent? {
        guard await gate.acquire() else { return nil }
        defer { gate.release() }
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            try checkOpen()
            if Task.isCancelled { return nil }
            let generation = log.notifier.generation
            if let event = try await nextAssignmentEvent() { return event }
            let records = try await fetch()
            if !records.isEmpty { return .records(records) }
            if ContinuousClock.now >= deadline { return nil }
            await log.notifier.wait(after: generation, until: deadline)
        }
    }

    func commit(_ offsets: [PartitionOffset]) async throws {
        try checkOpen()
        guard let group = commitGroup else {
            throw EventLogError(.invalidArgument, "this consumer has no group to commit to (use .partitions(_, commitGroup:) or .group)")
        }
        if let bad = offsets.first(where: { $0.offset < 0 }) {
            throw EventLogError(.invalidArgument, "cannot commit negative offset \(bad.offset) for \(bad.topicPartition)")
        }
        if offsets.isEmpty { return }
        let writer = try log.requireWriter("commit offsets")
        try await writer.submit { try $0.commitOffsets(group: group, offsets) }
    }

    func committed(_ partitions: [TopicPartition]) async throws -> [TopicPartition: Int64] {
        try checkOpen()
        guard let group = commitGroup, !partitions.isEmpty else { return [:] }
        return try await log.readers.run { db throws(EventLogError) in try Storage.committed(db, group: group, partitions) }
    }

    func seek(_ partition: TopicPartition, to position: StartPosition) async throws {
        try checkOpen()
        guard state.withLock({ $0.partitions[partition] != nil }) else {
            throw EventLogError(.invalidArgument, "cannot seek \(partition): it is not assigned to this consumer")
        }
        let resolved = try await resolve([partition], start: position)
        state.withLock { state in
            guard state.partitions[partition] != nil, let (topicID, offset) = resolved[partition] else { return }
            state.epochs += 1
            state.partitions[partition] = PartitionState(topicID: topicID, position: offset, epoch: state.epochs)
        }
    }

    func assignment() async throws -> [TopicPartition] {
        try checkOpen()
        return state.withLock { $0.assigned }
    }

    func close() async throws {
        let first = state.withLock { state -> Bool in
            if state.closed { return false }
            state.closed = true
            return true
        }
        guard first else { return }
        if let membership { log.coordinator.leave(group: membership.group, member: membership.member) }
        log.notifier.bump()  // a pending poll wakes and throws `.closed`
    }

    // MARK: Assignment

    private func nextAssignmentEvent() async throws -> ConsumerEvent? {
        let event: ConsumerEvent?
        if let membership {
            event = log.coordinator.nextEvent(group: membership.group, member: membership.member)
        } else {
            event = state.withLock { state in
                defer { state.initialAssignment = nil }
                return state.initialAssignment.map { .assigned($0) }
            }
        }
        switch event {
        case .assigned(let partitions):
            let positions = partitions.isEmpty ? [:] : try await resolve(partitions, start: configuration.start)
            state.withLock { state in
                for tp in partitions where !state.assigned.contains(tp) { state.assigned.append(tp) }
                state.assigned.sort()
                for (tp, position) in positions {
                    state.epochs += 1
                    state.partitions[tp] = PartitionState(topicID: position.topicID, position: position.offset, epoch: state.epochs)
                }
            }
        case .revoked(let partitions):
            state.withLock { state in
                state.assigned.removeAll { partitions.contains($0) }
                for tp in partitions { state.partitions[tp] = nil }
            }
        default:
            break
        }
        return event
    }

    /// Where each partition starts, per `start`; partitions of missing topics are left out.
    private func resolve(_ partitions: [TopicPartition], start: StartPosition) async throws -> [TopicPartition: (topicID: Int64, offset: Int64)] {
        let group = commitGroup
        return try await log.readers.run { db throws(EventLogError) in
            try db.readTransaction { () throws(EventLogError) -> [TopicPartition: (topicID: Int64, offset: Int64)] in
                var topics: [String: Storage.TopicRow?] = [:]
                var committed: [TopicPartition: Int64] = [:]
                if case .committed = start, let group { committed = try Storage.committed(db, group: group, partitions) }
                var result: [TopicPartition: (topicID: Int64, offset: Int64)] = [:]
                for tp in partitions {
                    if topics[tp.topic] == nil { topics[tp.topic] = .some(try Storage.topic(db, named: tp.topic)) }
                    guard let row = topics[tp.topic] ?? nil, tp.partition >= 0, tp.partition < row.partitions else { continue }
                    let (first, end) = try Storage.bounds(db, row.id, tp.partition)
                    let offset: Int64
                    switch start {
                    case .earliest: offset = first
                    case .latest: offset = end
                    case .offset(let n): offset = max(n, first)
                    case .timestampMs(let t): offset = try Storage.offset(db, row.id, tp.partition, atTimestampMs: t)
                    case .committed(let fallback):
                        if let c = committed[tp], c >= first, c <= end {
                            offset = c
                        } else {
                            offset = fallback == .latest ? end : first  // Kafka's auto.offset.reset
                        }
                    }
                    result[tp] = (row.id, offset)
                }
                return result
            }
        }
    }

    // MARK: Fetch

    private struct Slot: Sendable {
        var tp: TopicPartition
        var topicID: Int64
        var position: Int64
        var epoch: UInt64
    }

    /// Records read for a poll, and per slot the new position (nil when nothing was read).
    private struct Fetched: Sendable {
        var records: [ConsumedRecord] = []
        var next: [Int64?]

        init(slots: Int) { next = [Int64?](repeating: nil, count: slots) }

        /// Reads from the slots at `indexes` until `maxBatch` records, fair across them: an equal
        /// share first, then what the others left to those that filled theirs. `read(slot, from,
        /// limit, into:)` returns how many records it appended, or nil when it cannot serve the
        /// slot; those slots are returned, untouched.
        mutating func fill(
            _ slots: [Slot], _ indexes: [Int], maxBatch: Int, read: (Slot, Int64, Int, inout [ConsumedRecord]) -> Int?
        ) -> [Int] {
            var unserved: [Int] = []
            let budget = maxBatch - records.count
            guard budget > 0, !indexes.isEmpty else { return indexes }
            let quota = max(1, (budget + indexes.count - 1) / indexes.count)
            var more: [Int] = []
            for index in indexes {
                let limit = min(quota, maxBatch - records.count)
                guard limit > 0 else {
                    unserved.append(index)
                    continue
                }
                guard let got = read(slots[index], slots[index].position, limit, &records) else {
                    unserved.append(index)
                    continue
                }
                if got > 0 { next[index] = records[records.count - 1].offset + 1 }
                if got == limit { more.append(index) }
            }
            for index in more where records.count < maxBatch {
                guard let from = next[index], (read(slots[index], from, maxBatch - records.count, &records) ?? 0) > 0 else { continue }
                next[index] = records[records.count - 1].offset + 1
            }
            return unserved
        }
    }

    private func fetch() async throws -> [ConsumedRecord] {
        let ends = log.ends
        let slots = state.withLock { state -> [Slot] in
            let live = state.assigned.compactMap { tp -> Slot? in
                guard let partition = state.partitions[tp] else { return nil }
                // Nothing committed past the position: no query (most partitions, most polls).
                if let end = ends?.end(topicID: partition.topicID, partition: tp.partition), partition.position >= end { return nil }
                return Slot(tp: tp, topicID: partition.topicID, position: partition.position, epoch: partition.epoch)
            }
            guard !live.isEmpty else { return [] }
            let start = state.rotation % live.count
            state.rotation &+= 1
            return Array(live[start...] + live[..<start])  // fair: a different partition leads each poll
        }
        if slots.isEmpty { return [] }
        let maxBatch = max(1, configuration.maxBatchSize)
        var fetched = Fetched(slots: slots.count)
        // From memory first (partitions whose position lies in the writer's recent window), then
        // one reader job for the rest.
        var fromDatabase = Array(slots.indices)
        if let recent = log.recent {
            fromDatabase = fetched.fill(slots, fromDatabase, maxBatch: maxBatch) { slot, from, limit, records in
                recent.read(PartitionEnds.Key(topicID: slot.topicID, partition: slot.tp.partition), from: from, limit: limit, into: &records)
            }
        }
        let left = maxBatch - fetched.records.count
        if left > 0, !fromDatabase.isEmpty {
            let queried = try await log.readers.run { [fromDatabase] db throws(EventLogError) -> Fetched in
                var queried = Fetched(slots: slots.count)
                _ = queried.fill(slots, fromDatabase, maxBatch: left) { slot, from, limit, records in
                    let before = records.count
                    do {
                        return try Storage.fetch(
                            db, topic: slot.tp.topic, topicID: slot.topicID, partition: slot.tp.partition, from: from, limit: limit, into: &records)
                    } catch {
                        records.removeSubrange(before...)  // e.g. the topic was deleted: nothing to read
                        return 0
                    }
                }
                return queried
            }
            fetched.records += queried.records
            for index in fromDatabase { fetched.next[index] = queried.next[index] }
        }
        if fetched.records.isEmpty { return [] }
        let stale = state.withLock { state -> Set<TopicPartition> in
            var stale: Set<TopicPartition> = []
            for (index, slot) in slots.enumerated() {
                guard let next = fetched.next[index] else { continue }
                if var current = state.partitions[slot.tp], current.epoch == slot.epoch {
                    current.position = next
                    state.partitions[slot.tp] = current
                } else {
                    stale.insert(slot.tp)  // sought, revoked or closed meanwhile: drop these records
                }
            }
            return stale
        }
        if stale.isEmpty { return fetched.records }
        return fetched.records.filter { !stale.contains($0.topicPartition) }
    }
}
