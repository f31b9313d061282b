import KeelCore
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

    private struct Fetched: Sendable {
        var records: [ConsumedRecord]
        var next: [Int64?]  // per slot: the new position, nil when nothing was read
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
        let quota = max(1, (maxBatch + slots.count - 1) / slots.count)
        // From memory first: partitions whose position lies in the writer's recent window.
        var fetched = Fetched(records: [], next: [Int64?](repeating: nil, count: slots.count))
        var fromDatabase = Array(slots.indices)
        if let recent = log.recent {
            fromDatabase = []
            var more: [Int] = []
            for (index, slot) in slots.enumerated() {
                let key = PartitionEnds.Key(topicID: slot.topicID, partition: slot.tp.partition)
                let limit = min(quota, maxBatch - fetched.records.count)
                guard limit > 0, let got = recent.read(key, from: slot.position, limit: limit, into: &fetched.records) else {
                    fromDatabase.append(index)
                    continue
                }
                fetched.next[index] = fetched.records[fetched.records.count - 1].offset + 1
                if got == limit { more.append(index) }
            }
            for index in more where fetched.records.count < maxBatch {
                let slot = slots[index]
                guard let from = fetched.next[index] else { continue }
                let key = PartitionEnds.Key(topicID: slot.topicID, partition: slot.tp.partition)
                if recent.read(key, from: from, limit: maxBatch - fetched.records.count, into: &fetched.records) != nil {
                    fetched.next[index] = fetched.records[fetched.records.count - 1].offset + 1
                }
            }
            if fetched.records.count >= maxBatch { fromDatabase = [] }
        }
        if !fromDatabase.isEmpty {
            let queried = try await query(slots, fromDatabase, maxBatch: maxBatch - fetched.records.count)
            fetched.records += queried.records
            for (index, next) in queried.next { fetched.next[index] = next }
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

    /// One reader job: a range query per slot in `indexes`, fair across them (an equal share of
    /// `maxBatch` first, leftovers to the busy ones). Returns the new position of each slot read.
    private func query(_ slots: [Slot], _ indexes: [Int], maxBatch: Int) async throws -> (records: [ConsumedRecord], next: [Int: Int64]) {
        guard maxBatch > 0 else { return ([], [:]) }
        return try await log.readers.run { db throws(EventLogError) -> (records: [ConsumedRecord], next: [Int: Int64]) in
            var records: [ConsumedRecord] = []
            records.reserveCapacity(min(maxBatch, 4096))
            var next: [Int: Int64] = [:]
            let quota = max(1, (maxBatch + indexes.count - 1) / indexes.count)
            var more: [Int] = []
            for index in indexes where records.count < maxBatch {
                let slot = slots[index]
                let limit = min(quota, maxBatch - records.count)
                let before = records.count
                do {
                    let got = try Storage.fetch(db, topic: slot.tp.topic, topicID: slot.topicID, partition: slot.tp.partition, from: slot.position, limit: limit, into: &records)
                    if got > 0 { next[index] = records[records.count - 1].offset + 1 }
                    if got == limit { more.append(index) }
                } catch {
                    records.removeSubrange(before...)  // e.g. the topic was deleted: nothing to read
                }
            }
            // Second pass: partitions that filled their share may use what the others left.
            for index in more where records.count < maxBatch {
                let slot = slots[index]
                guard let from = next[index] else { continue }
                let got = (try? Storage.fetch(db, topic: slot.tp.topic, topicID: slot.topicID, partition: slot.tp.partition, from: from, limit: maxBatch - records.count, into: &records)) ?? 0
                if got > 0 { next[index] = records[records.count - 1].offset + 1 }
            }
            return (records, next)
        }
    }
}
