import Foundation
import KeelCore
import KeelLog
import KeelRuntime
import KeelStore
import KeelTestSupport
import Synchronization
import Testing

@Suite("Replay into a shadow and swap", .serialized)
struct ReplayTests {
    let projectors: [any Projector] = [
        ActivityProjector(topics: ["keel.audit"]), AuditProjector(), KeysProjector(topics: ["keel.audit"]),
    ]

    @Test("a replay's documents deep-equal the live ones, and only the live generation remains")
    func deepEqual() async throws {
        let env = try await Environment(topics: ["keel.audit", "keel.deadletter"])
        defer { Task.detached { await env.remove() } }
        var events = sampleEvents(1500)
        events[700] = event("keel.audit.action.recorded", tenant: "t9", key: "t9", data: .object([:]))  // one poison
        try await env.produce(events, to: "keel.audit")
        for projector in projectors { try await env.runUntilCaughtUp(projector) }
        for projector in projectors {
            var before: [String: [String: Document]] = [:]
            for collection in projector.collections + [DeadLetterEntry.collection(of: projector.name)] {
                before[collection] = try await env.documents(collection, in: .live(projector.name))
            }
            let phases = Mutex<[ReplayProgress.Phase]>([])
            let report = try await Replayer(projector: projector, log: env.log, store: env.store, logger: quietLogger())
                .run { progress in phases.withLock { $0.append(progress.phase) } }
            #expect(report.promoted && report.events >= 1500)
            #expect(phases.withLock { $0.last } == .done)
            for collection in projector.collections + [DeadLetterEntry.collection(of: projector.name)] {
                let after = try await env.documents(collection, in: .live(projector.name))
                #expect(after == before[collection], "\(projector.name).\(collection)")
            }
            #expect(try await env.store.generations(of: projector.name) == [.live(projector.name)])
        }
        #expect(try await env.store.deadLetters(.live("audit")).count == 1)
    }

    @Test("readers never see a half-built projection while a replay runs")
    func readersDuringReplay() async throws {
        let env = try await Environment(topics: ["keel.audit", "keel.deadletter"])
        defer { Task.detached { await env.remove() } }
        let events = sampleEvents(6000)
        try await env.produce(events, to: "keel.audit")
        let activity = ActivityProjector(topics: ["keel.audit"])
        try await env.runUntilCaughtUp(activity)
        let done = Flag()
        let observed = try await withThrowingTaskGroup(of: [Int64].self) { group in
            group.addTask {
                var totals: [Int64] = []
                while !done.isSet {
                    let rows = try await env.store.aggregate(
                        Aggregation(
                            target: .live("activity"), collection: "activity", metrics: [Metric("n", .sum, field: "count")]))
                    totals.append(rows.first?.values["n"]?.intValue ?? 0)
                }
                return totals
            }
            group.addTask {
                defer { done.set() }
                _ = try await Replayer(projector: activity, log: env.log, store: env.store, batchSize: 500, logger: quietLogger()).run()
                return []
            }
            var all: [Int64] = []
            for try await totals in group { all += totals }
            return all
        }
        #expect(!observed.isEmpty)
        #expect(observed.allSatisfy { $0 == 6000 })
    }

    @Test("v1 events written before a projector moved to v2 are upcast on replay")
    func upcastOnReplay() async throws {
        let env = try await Environment(topics: ["keel.workflow.runs", "keel.deadletter"])
        defer { Task.detached { await env.remove() } }
        let v1 = (0..<30).map { index in
            event(
                "keel.workflow.run.started", key: "run-\(index)",
                data: .object([
                    "runId": .string("run-\(index)"), "workflowId": .string("wf"), "input": .object([:]),
                ]), dataversion: 1)
        }
        try await env.produce(v1, to: "keel.workflow.runs")
        _ = try await Replayer(projector: RunsV2Projector(), log: env.log, store: env.store, logger: quietLogger()).run()
        let documents = try await env.documents("runs", in: .live("runs"))
        #expect(documents.count == 30 && documents.values.allSatisfy { $0["workflowVersion"] == .int(1) && $0["trigger"] == .string("api") })
    }

    @Test("--from in the future is refused with nothing changed; a leftover shadow is dropped; --to keeps the shadow")
    func refusalsAndLeftovers() async throws {
        let env = try await Environment(topics: ["keel.audit", "keel.deadletter"])
        defer { Task.detached { await env.remove() } }
        try await env.produce(sampleEvents(300), to: "keel.audit")
        let activity = ActivityProjector(topics: ["keel.audit"])
        let future = Int64(Date().timeIntervalSince1970 * 1000) + 3_600_000
        await #expect(throws: ReplayError.self) {
            try await Replayer(projector: activity, log: env.log, store: env.store, logger: quietLogger()).run(from: .timestampMs(future))
        }
        #expect(try await env.store.generations(of: "activity").isEmpty)

        // An interrupted replay's shadow (as SIGKILL would leave it).
        let leftover = CollectionSet(projection: "activity", generation: "rleftover")
        _ = try await env.store.apply(
            ProjectionBatch(
                target: leftover, changes: [DocumentChange(collection: "activity", id: "junk", operation: .replace(["x": .int(1)]))],
                checkpoint: ProjectionCheckpoint(positions: [LogPosition("keel.audit", 0): 1])))
        let bounded = try await Replayer(projector: activity, log: env.log, store: env.store, logger: quietLogger()).run(to: .offset(10))
        #expect(bounded.droppedLeftovers == [leftover] && !bounded.promoted)
        #expect(try await env.store.generations(of: "activity").contains(bounded.shadow))
        let ends = try await env.log.offsets(topic: "keel.audit", atTimestampMs: .max)
        let expected = ends.values.reduce(Int64(0)) { $0 + min($1, 10) }
        #expect(try await env.documents("activity", in: bounded.shadow).values.reduce(0) { $0 + ($1["count"]?.intValue ?? 0) } == expected)

        let full = try await Replayer(projector: activity, log: env.log, store: env.store, logger: quietLogger()).run()
        #expect(full.droppedLeftovers == [bounded.shadow] && full.promoted)
        #expect(same(activitySummary(try await env.documents("activity", in: .live("activity"))), expectedActivity(sampleEvents(300))))
        // The live projector continues exactly where the replay stopped.
        try await env.produce(sampleEvents(50, start: 300), to: "keel.audit")
        try await env.runUntilCaughtUp(activity)
        #expect(same(activitySummary(try await env.documents("activity", in: .live("activity"))), expectedActivity(sampleEvents(350))))
    }
}

/// A one-way flag shared between test tasks.
final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .acquiring) }
    func set() { value.store(true, ordering: .releasing) }
}
