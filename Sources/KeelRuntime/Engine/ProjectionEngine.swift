import KeelCore
import KeelLog
import KeelStore
import Logging

/// Whether work is live (the projector service) or a rebuild (`Replayer`). The only difference
/// is side effects: only live work announces dead letters on the dead-letter topic; both record
/// them as documents of the generation they build, so a replay rebuilds the blocked state too.
public enum ProjectionMode: Sendable, Hashable {
    case live
    case replay
}

/// Turns consumed records into atomic projection batches for one generation: decode, upcast,
/// project, per-key dead letters, operator requests, merge, apply with the checkpoint.
///
/// Used by one task at a time (the projector service's or the replayer's run loop); not Sendable.
/// Guarantees: records at or behind `positions` are dropped before projection (redelivery
/// never double-counts); every batch carries the positions of every record it consumed, so a
/// crash before `apply` returns redoes it and a crash after skips it; a record of a blocked key
/// is parked, never applied out of order.
final class ProjectionEngine {
    let projector: any Projector
    let upcasters: UpcasterChain
    let log: any EventLog
    let store: any ProjectionStore
    let target: CollectionSet
    let mode: ProjectionMode
    let logger: Logger
    let backoff: Backoff
    let decoder: SharedRecordDecoder?
    /// `projector.topics`, for a hashed membership test per record.
    let projectedTopics: Set<String>

    /// Next offset to apply per partition this engine owns.
    var positions: [TopicPartition: Int64] = [:]
    /// What this engine knows the store holds for each owned partition (absent: nothing stored).
    /// Sent as each batch's `expected`, so a checkpoint moved elsewhere makes the batch skip.
    var confirmed: [TopicPartition: Int64] = [:]
    /// Blocked keys: the poison entry first, then what is parked behind it, in offset order.
    var blocked: [BlockKey: [DeadLetterEntry]] = [:]
    /// Poison entries of keyless records (they block nothing), by document id.
    var keyless: [String: DeadLetterEntry] = [:]
    /// Events processed (including parked and dead-lettered), for progress reporting.
    private(set) var processed = 0

    init(
        projector: any Projector, upcasters: UpcasterChain, log: any EventLog, store: any ProjectionStore,
        target: CollectionSet, mode: ProjectionMode, backoff: Backoff = Backoff(), decoder: SharedRecordDecoder? = nil, logger: Logger
    ) {
        self.decoder = decoder
        self.projector = projector
        projectedTopics = Set(projector.topics)
        self.upcasters = upcasters
        self.log = log
        self.store = store
        self.target = target
        self.mode = mode
        self.backoff = backoff
        self.logger = logger
    }

    /// The projector's topics plus the dead-letter topic (operator requests arrive there).
    var subscribedTopics: [String] {
        Array(Set(projector.topics).union([DeadLetterEvents.topic])).sorted()
    }

    var label: String { "projector \(target)" }

    /// Declares the projector's keyed sets in the engine's generation, before its first batch.
    func declareKeyedSets() async throws {
        for spec in projector.keyedSets {
            try await backoff.run("\(label): declaring the keyed set \(spec.collection)", logger: logger) {
                try await self.store.declareKeyedSet(self.target, spec)
            }
        }
    }

    /// Reloads the blocked keys from the store (the store is authoritative).
    func loadDeadLetters() async throws {
        let entries = try await backoff.run("\(label): reading dead letters", logger: logger) {
            try await self.store.deadLetters(self.target)
        }
        blocked = [:]
        keyless = [:]
        for entry in entries.sorted(by: { ($0.partition, $0.offset) < ($1.partition, $1.offset) }) {
            if let blockKey = entry.blockKey {
                blocked[blockKey, default: []].append(entry)
            } else {
                keyless[entry.documentID] = entry
            }
        }
        // The poison entry leads each key (offsets alone could put a re-poisoned parked one later).
        for (key, entries) in blocked {
            blocked[key] = entries.filter { $0.status == .poison } + entries.filter { $0.status == .parked }
        }
    }

    /// Reads the stored checkpoint for `partitions` (nil where the generation has none).
    func storedPositions(_ partitions: [TopicPartition]) async throws -> [TopicPartition: Int64] {
        let checkpoint = try await backoff.run("\(label): reading the checkpoint", logger: logger) {
            try await self.store.checkpoint(self.target)
        }
        var result: [TopicPartition: Int64] = [:]
        for partition in partitions {
            result[partition] = checkpoint?.positions[LogPosition(partition.topic, partition.partition)]
        }
        return result
    }

    enum Outcome {
        /// Everything was applied (or had been before); `positions` moved.
        case applied
        /// The store refused a batch as already applied: someone else moved the checkpoint
        /// (a rebalance race, a promoted replay). Re-read it and seek before going on.
        case resync
    }

    /// Projects and applies `records` (ordered per partition). Returns after the last batch.
    func process(_ records: [ConsumedRecord]) async throws -> Outcome {
        var unit = newUnit()
        for (index, record) in records.enumerated() {
            let partition = record.topicPartition
            guard let position = positions[partition], record.offset >= position else { continue }
            processed += 1
            let decoded = decode(record)
            if record.topic == DeadLetterEvents.topic, case .success(let event) = decoded,
                let request = DeadLetterRequest(event, projection: projector.name)
            {
                guard try await flush(&unit, records) else { return .resync }
                var requestUnit = newUnit()
                requestUnit.positions[partition] = record.offset + 1
                try await carryOut(request, into: &requestUnit)
                guard try await flush(&requestUnit, records) else { return .resync }
                continue
            }
            unit.positions[partition] = record.offset + 1
            unit.covered = (unit.covered?.lowerBound ?? index)..<(index + 1)
            guard projectedTopics.contains(record.topic) else { continue }
            handle(record, decoded: decoded, into: &unit)
        }
        return try await flush(&unit, records) ? .applied : .resync
    }

    /// One atomic batch in the making.
    struct Unit {
        var changes: [DocumentChange] = []
        var notices: [OutgoingRecord] = []
        var positions: [TopicPartition: Int64] = [:]
        /// The indexes of the `process` input it covers, so a batch the store refuses can be redone
        /// one record at a time (kept as a range: copying every record would cost the hot path).
        var covered: Range<Int>?
        /// The dead-letter state before the unit's records were handled.
        var blockedBefore: [BlockKey: [DeadLetterEntry]] = [:]
        var keylessBefore: [String: DeadLetterEntry] = [:]
    }

    func newUnit() -> Unit {
        Unit(blockedBefore: blocked, keylessBefore: keyless)
    }

    /// The tenant a record is filed under for dead letters: the one it was stamped with, which is
    /// readable even when the record does not decode.
    static func tenant(of record: ConsumedRecord) -> String? {
        KafkaBinding.stampedTenant(in: record.headers)
    }

    func handle(_ record: ConsumedRecord, decoded: Result<CloudEvent, ProjectionError>, into unit: inout Unit) {
        let key = record.key.flatMap { String(validating: $0, as: UTF8.self) }
        // The stamped tenant (a header scan) and the block key matter only once a key is blocked.
        if !blocked.isEmpty, let key {
            let tenant = Self.tenant(of: record)
            let blockKey = BlockKey(tenant: tenant, topic: record.topic, key: key)
            if let poison = blocked[blockKey]?.first {
                park(record, key: key, tenant: tenant, blockKey: blockKey, behind: poison, decoded: decoded, into: &unit)
                return
            }
        }
        switch project(record, decoded: decoded, key: key) {
        case .success(let changes):
            unit.changes += changes
        case .failure(let error):
            deadLetter(record, decoded: decoded, error: error, into: &unit)
        }
    }

    /// Parks a record of a blocked key behind the key's poison entry.
    private func park(
        _ record: ConsumedRecord, key: String, tenant: String?, blockKey: BlockKey, behind poison: DeadLetterEntry,
        decoded: Result<CloudEvent, ProjectionError>, into unit: inout Unit
    ) {
        let event = try? decoded.get()
        let entry = DeadLetterEntry(
            projection: projector.name, topic: record.topic, partition: record.partition, offset: record.offset, key: key,
            tenant: tenant, status: .parked, blockedBy: poison.id, eventID: event?.id, eventType: event?.type, timestampMs: record.timestampMs)
        blocked[blockKey]!.append(entry)
        note(entry, event: event, into: &unit)
    }

    /// Records `record` as a poison dead letter: its key (if any) is blocked from here on.
    func deadLetter(_ record: ConsumedRecord, decoded: Result<CloudEvent, ProjectionError>, error: ProjectionError, into unit: inout Unit) {
        let key = record.key.flatMap { String(validating: $0, as: UTF8.self) }
        let tenant = Self.tenant(of: record)
        let blockKey = key.map { BlockKey(tenant: tenant, topic: record.topic, key: $0) }
        let event = try? decoded.get()
        let entry = DeadLetterEntry(
            projection: projector.name, topic: record.topic, partition: record.partition, offset: record.offset, key: key,
            tenant: tenant, status: .poison, error: error, eventID: event?.id, eventType: event?.type, timestampMs: record.timestampMs)
        if let blockKey { blocked[blockKey] = [entry] } else { keyless[entry.documentID] = entry }
        logger.warning(
            "dead-lettered an event", metadata: ["projector": "\(target)", "entry": "\(entry.id)", "key": "\(key ?? "none")", "error": "\(error)"])
        note(entry, event: event, into: &unit)
    }

    func note(_ entry: DeadLetterEntry, event: CloudEvent?, into unit: inout Unit) {
        unit.changes.append(entry.replacement)
        if mode == .live { unit.notices.append(DeadLetterEvents.notice(for: entry, originalEvent: event)) }
    }

    /// Decodes through the process's shared decoder when there is one (each record once for all
    /// projectors), else on its own.
    func decode(_ record: ConsumedRecord) -> Result<CloudEvent, ProjectionError> {
        decoder?.decode(record) ?? SharedRecordDecoder.decodeUncached(record)
    }

    /// Upcasts and projects one record: the whole poison verdict in one place.
    /// `key`: the record key as UTF-8 text, when the caller has it already.
    func project(
        _ record: ConsumedRecord, decoded: Result<CloudEvent, ProjectionError>,
        key: String?? = nil
    ) -> Result<[DocumentChange], ProjectionError> {
        do throws(ProjectionError) {
            let event = try decoded.get()
            let lifted = try upcasters.upcast(event, to: projector.dataVersions[event.type])
            let projected = ProjectedEvent(
                event: lifted, topic: record.topic, partition: record.partition, offset: record.offset,
                timestampMs: record.timestampMs, key: key ?? record.key.flatMap { String(validating: $0, as: UTF8.self) })
            return .success(try projector.project(projected))
        } catch {
            return .failure(error)
        }
    }

    /// Applies a unit: notices first (live), then the changes with the checkpoint, atomically.
    /// Returns false when the store reports the batch as already applied. A batch the store
    /// refuses as data (a change its documents cannot take) is redone record by record, so the
    /// one event at fault is dead-lettered instead of stalling the projector.
    func flush(_ unit: inout Unit, _ records: [ConsumedRecord]) async throws -> Bool {
        defer { unit = newUnit() }
        switch try await write(unit) {
        case .applied:
            return true
        case .skipped:
            return false
        case .refused(let error):
            guard let covered = unit.covered else {
                // An operator request's own batch: there is no event to blame.
                throw error
            }
            logger.warning(
                "the store refused a batch; isolating the event at fault",
                metadata: ["projector": "\(target)", "records": "\(covered.count)", "error": "\(error)"])
            return try await isolateRefusal(unit, records[covered])
        }
    }

    enum WriteOutcome {
        case applied
        case skipped
        case refused(StoreError)
    }

    /// Writes a unit: notices first (live), then changes and checkpoint in one `apply`. Outages
    /// are retried; refusals of the data are returned, because retrying cannot change them.
    func write(_ unit: Unit) async throws -> WriteOutcome {
        guard !unit.positions.isEmpty else { return .applied }
        if !unit.notices.isEmpty {
            // Before the batch: a crash in between re-announces (at-least-once notices) rather
            // than leaving a blocked key nobody was told about.
            let notices = unit.notices
            _ = try await backoff.run("\(label): writing to \(DeadLetterEvents.topic)", logger: logger) {
                try await self.log.produce(notices, to: DeadLetterEvents.topic)
            }
        }
        var checkpoint = ProjectionCheckpoint()
        var expected = ProjectionCheckpoint()
        for (partition, offset) in unit.positions {
            let position = LogPosition(partition.topic, partition.partition)
            checkpoint.positions[position] = offset
            expected.positions[position] = confirmed[partition]
        }
        let batch = ProjectionBatch(
            target: target, changes: ChangeMerger.merge(unit.changes), checkpoint: checkpoint, expected: expected)
        let outcome = try await backoff.run("\(label): store \(store.description)", logger: logger) {
            () async throws -> Result<ApplyOutcome, StoreError> in
            do {
                return .success(try await self.store.apply(batch))
            } catch let error as StoreError where error.code == .invalidRequest || error.code == .duplicateKey {
                return .failure(error)
            }
        }
        switch outcome {
        case .failure(let error):
            return .refused(error)
        case .success(.skippedAsDuplicate):
            logger.notice("a batch was already applied (checkpoint moved elsewhere); resynchronising", metadata: ["projector": "\(target)"])
            return .skipped
        case .success(.applied):
            positions.merge(unit.positions) { Swift.max($0, $1) }
            confirmed.merge(unit.positions) { Swift.max($0, $1) }
            return .applied
        }
    }
}
