import Foundation
import KeelCore
import KeelLog
import KeelStore
import Logging

/// Rebuilds a projection into a shadow generation while the live one keeps serving, then swaps
/// it in atomically (`keel replay`).
///
/// Guarantees:
/// - **Nothing changes before validation:** a `--from` time in the future is refused first.
/// - **Readers never see a half-built projection:** all work goes to the shadow generation;
///   only `promote` (atomic in the store) makes it visible under the live names.
/// - **Catch-up before the swap:** an unbounded replay reads until every partition is at the
///   log's end (which is at or past the live checkpoint) and writes a checkpoint for every
///   partition, so the live projector resumes exactly where the shadow stopped: if it was behind,
///   its next batch is refused as already applied and it re-reads the checkpoint.
/// - **Restartable:** a SIGKILLed replay leaves the live generation untouched; its shadow is
///   *dropped* by the next replay (a shadow does not record the range it was built with, so
///   resuming it could mix two ranges).
/// - Explicit-partition consumers, no consumer group: a replay never disturbs the live group.
public final class Replayer: Sendable {
    public let projector: any Projector
    let log: any EventLog
    let store: any ProjectionStore
    let upcasters: UpcasterChain
    let logger: Logger
    let batchSize: Int
    /// The shadow generation this replay builds (`r` + UTC time + a random suffix): unique per
    /// replay, so it also names the replay (the gateway's replay id).
    public let generation: String

    public init(
        projector: any Projector, log: any EventLog, store: any ProjectionStore, upcasters: UpcasterChain = .standard,
        generation: String? = nil, batchSize: Int = 10_000, logger: Logger
    ) {
        self.projector = projector
        self.log = log
        self.store = store
        self.upcasters = upcasters
        self.batchSize = batchSize
        self.logger = logger
        self.generation = generation ?? Self.newGeneration()
    }

    /// `r` + UTC time to the second + a random suffix: sortable and unique.
    static func newGeneration() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMddHHmmss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.locale = Locale(identifier: "en_US_POSIX")
        let suffix = String(UUID().uuidString.prefix(4).lowercased())
        return "r\(formatter.string(from: Date()))\(suffix)"
    }

    public var collections: [String] { projector.collections + [DeadLetterEntry.collection(of: projector.name)] }

    public func run(
        from start: ReplayStart = .earliest, to end: ReplayEnd? = nil, nowMs: Int64 = Int64(Date().timeIntervalSince1970 * 1000),
        progress: @escaping @Sendable (ReplayProgress) -> Void = { _ in }
    ) async throws -> ReplayReport {
        if case .timestampMs(let from) = start, from > nowMs {
            throw ReplayError("--from \(RFC3339.format(milliseconds: from)) is in the future; nothing was changed")
        }
        if case .timestampMs(let from) = start, case .timestampMs(let to)? = end, to <= from {
            throw ReplayError("--to must be after --from; nothing was changed")
        }
        let shadow = CollectionSet(projection: projector.name, generation: generation)
        let leftovers = try await store.generations(of: projector.name).filter { !$0.isLive && $0 != shadow }
        for leftover in leftovers {
            logger.notice(
                "replay: dropping the leftover shadow of an interrupted replay",
                metadata: ["projector": "\(projector.name)", "shadow": "\(leftover)"])
            try await store.drop(leftover, collections: collections)
        }
        try await store.ensureIndexes(
            shadow, collection: DeadLetterEntry.collection(of: projector.name),
            indexes: [IndexSpec(name: "by_block_key", fields: [SortField("blockKey"), SortField("offset")])])

        let engine = ProjectionEngine(
            projector: projector, upcasters: upcasters, log: log, store: store, target: shadow, mode: .replay, logger: logger)
        try await engine.declareKeyedSets()
        let partitions = try await self.partitions(engine.subscribedTopics)
        let firsts = try await offsets(partitions, atTimestampMs: 0)
        let starts: [TopicPartition: Int64]
        switch start {
        case .earliest: starts = firsts
        case .offset(let offset): starts = firsts.mapValues { Swift.max($0, offset) }
        case .timestampMs(let time): starts = try await offsets(partitions, atTimestampMs: time)
        }
        engine.positions = starts
        var bounds: [TopicPartition: Int64]?
        if let end {
            // A bound past the end of a partition is its end: a bounded replay does not wait.
            let ends = try await LogOffsets.ends(of: Set(engine.subscribedTopics), in: log)
            let requested: [TopicPartition: Int64]
            switch end {
            case .offset(let offset): requested = Dictionary(uniqueKeysWithValues: partitions.map { ($0, offset) })
            case .timestampMs(let time): requested = try await offsets(partitions, atTimestampMs: time)
            }
            bounds = requested.mapValues { $0 }.merging(ends) { Swift.min($0, $1) }
        }
        // The consumer resolves `start` exactly as `starts` was computed, so no seeks are needed.
        let consumerStart: StartPosition
        switch start {
        case .earliest: consumerStart = .earliest
        case .offset(let offset): consumerStart = .offset(offset)
        case .timestampMs(let time): consumerStart = .timestampMs(time)
        }
        let consumer = try await log.makeConsumer(
            ConsumerConfiguration(
                subscription: .partitions(partitions), start: consumerStart, maxBatchSize: batchSize))
        var meter = ProgressMeter(generation: generation, report: progress)
        do {
            if let bounds {
                try await consume(until: bounds, bounded: true, engine, consumer, &meter, phase: .building)
            } else {
                try await consume(
                    until: try await catchUpTargets(Set(engine.subscribedTopics)), bounded: false, engine, consumer, &meter, phase: .building)
                // Catch up: the live projector (and producers) moved on meanwhile; chase the end until a
                // pass finds nothing new.
                while true {
                    let ends = try await catchUpTargets(Set(engine.subscribedTopics))
                    if ends.allSatisfy({ (engine.positions[$0.key] ?? 0) >= $0.value }) { break }
                    try await consume(until: ends, bounded: false, engine, consumer, &meter, phase: .catchingUp)
                }
            }
            try await consumer.close()
        } catch {
            try? await consumer.close()
            throw error
        }
        try await writeFullCheckpoint(engine, shadow)
        let promoted = end == nil
        if promoted {
            meter.report(.promoting, events: engine.processed, lag: 0, force: true)
            try await store.promote(shadow, collections: collections)
        }
        meter.report(.done, events: engine.processed, lag: 0, force: true)
        return ReplayReport(
            shadow: shadow, events: engine.processed, seconds: meter.elapsed, promoted: promoted, droppedLeftovers: leftovers)
    }

    /// Where an unbounded replay reads to: each partition's end as the log reports it, and never
    /// less than the live projection's checkpoint, so a promoted shadow is never behind what
    /// readers already see (some brokers — tansu — report ends too low).
    private func catchUpTargets(_ topics: Set<String>) async throws -> [TopicPartition: Int64] {
        var targets = try await LogOffsets.ends(of: topics, in: log)
        let live = try await store.checkpoint(.live(projector.name))?.positions ?? [:]
        for (position, offset) in live where topics.contains(position.topic) {
            let partition = TopicPartition(position.topic, position.partition)
            targets[partition] = Swift.max(targets[partition] ?? 0, offset)
        }
        return targets
    }

    /// Reads until every partition's position reaches `targets`; bounded reads drop what lies past.
    private func consume(
        until targets: [TopicPartition: Int64], bounded: Bool, _ engine: ProjectionEngine, _ consumer: any EventConsumer,
        _ meter: inout ProgressMeter, phase: ReplayProgress.Phase
    ) async throws {
        func lag() -> Int64 { targets.reduce(0) { $0 + Swift.max(0, $1.value - (engine.positions[$1.key] ?? 0)) } }
        while lag() > 0 {
            try Task.checkCancellation()
            guard let event = try await consumer.poll(timeout: .seconds(1)) else { continue }
            guard case .records(var records) = event else { continue }
            if bounded {
                records.removeAll { $0.offset >= (targets[$0.topicPartition] ?? .max) }
                if records.isEmpty { continue }
            }
            guard try await engine.process(records) == .applied else {
                throw ReplayError("the shadow \(engine.target) was written by someone else; aborting the replay")
            }
            meter.report(phase, events: engine.processed, lag: lag())
        }
    }

    /// Gives the shadow a checkpoint for every partition, including those it read nothing from,
    /// so the live projector never re-reads them from the start after the swap.
    private func writeFullCheckpoint(_ engine: ProjectionEngine, _ shadow: CollectionSet) async throws {
        let stored = try await store.checkpoint(shadow)?.positions ?? [:]
        var missing = ProjectionCheckpoint()
        for (partition, offset) in engine.positions {
            let position = LogPosition(partition.topic, partition.partition)
            if let current = stored[position], current >= offset { continue }
            missing.positions[position] = offset
        }
        guard !missing.positions.isEmpty else { return }
        _ = try await store.apply(ProjectionBatch(target: shadow, changes: [], checkpoint: missing))
    }

    private func partitions(_ topics: [String]) async throws -> [TopicPartition] {
        var result: [TopicPartition] = []
        for topic in topics {
            guard let description = try await log.describeTopic(topic) else { continue }
            result += (0..<description.partitions).map { TopicPartition(topic, $0) }
        }
        return result
    }

    private func offsets(_ partitions: [TopicPartition], atTimestampMs time: Int64) async throws -> [TopicPartition: Int64] {
        var result: [TopicPartition: Int64] = [:]
        for topic in Set(partitions.map(\.topic)) {
            for (partition, offset) in try await log.offsets(topic: topic, atTimestampMs: time) {
                result[TopicPartition(topic, partition)] = offset
            }
        }
        return result
    }
}
