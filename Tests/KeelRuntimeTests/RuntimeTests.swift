import Foundation
import KeelCore
import KeelLog
import KeelRuntime
import KeelStore
import KeelTestSupport
import Synchronization
import Testing

/// Events of a few tenants and types over a few hours, spread over keel.tenants and keel.audit.
func sampleEvents(_ count: Int, start: Int = 0) -> [CloudEvent] {
    (start..<(start + count)).map { index in
        event(
            "keel.audit.action.recorded", tenant: "t\(index % 5)", timeMs: 1_790_000_000_000 + Int64(index) * 7_000,
            data: auditData(actor: "u\(index % 3)"))
    }
}

@Suite("Projector runtime", .serialized)
struct RuntimeTests {
    let activity = ActivityProjector(topics: ["keel.audit"])

    @Test("applies events and resumes from the store checkpoint after a restart")
    func resume() async throws {
        let env = try await Environment(topics: ["keel.audit", "keel.deadletter"])
        defer { Task.detached { await env.remove() } }
        let first = sampleEvents(500)
        try await env.produce(first, to: "keel.audit")
        try await env.runUntilCaughtUp(activity)
        #expect(same(activitySummary(try await env.documents("activity", in: .live("activity"))), expectedActivity(first)))
        let second = sampleEvents(700, start: 500)
        try await env.produce(second, to: "keel.audit")
        try await env.runUntilCaughtUp(activity)
        #expect(same(activitySummary(try await env.documents("activity", in: .live("activity"))), expectedActivity(first + second)))
        let checkpoint = try #require(try await env.store.checkpoint(.live("activity")))
        #expect(checkpoint.positions.filter { $0.key.topic == "keel.audit" }.values.reduce(0, +) == 1200)
    }

    @Test("redelivery (group offsets reset, two members rebalancing) never double-counts")
    func redelivery() async throws {
        let env = try await Environment(topics: ["keel.audit", "keel.deadletter"])
        defer { Task.detached { await env.remove() } }
        let events = sampleEvents(3000)
        try await env.produce(Array(events[..<1000]), to: "keel.audit")
        try await env.runUntilCaughtUp(activity)
        // Rewind the group's Kafka offsets: the store checkpoint must win.
        let partitions = (0..<6).map { TopicPartition("keel.audit", Int32($0)) }
        let rewinder = try await env.log.makeConsumer(
            ConsumerConfiguration(
                subscription: .partitions(partitions, commitGroup: ProjectorService.group(of: "activity"))))
        try await rewinder.commit(partitions.map { PartitionOffset($0, 0) })
        try await rewinder.close()
        try await env.produce(Array(events[1000...]), to: "keel.audit")
        // Two members of the group at once: partitions move between them while they work.
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await env.runUntilCaughtUp(activity) }
            group.addTask { try await env.runUntilCaughtUp(activity) }
            try await group.waitForAll()
        }
        try await env.runUntilCaughtUp(activity)
        #expect(same(activitySummary(try await env.documents("activity", in: .live("activity"))), expectedActivity(events)))
    }

    @Test("a store outage pauses the projector, which resumes and loses nothing")
    func outage() async throws {
        let env = try await Environment(topics: ["keel.audit", "keel.deadletter"])
        defer { Task.detached { await env.remove() } }
        let events = sampleEvents(2000)
        try await env.produce(events, to: "keel.audit")
        let flaky = FlakyStore(env.store, failures: 7)
        try await env.runUntilCaughtUp(activity, store: flaky)
        #expect(flaky.failed == 7)
        #expect(same(activitySummary(try await env.documents("activity", in: .live("activity"))), expectedActivity(events)))
    }

    @Test("v1 events are upcast live: a projector expecting v2 sees v2 data")
    func upcastLive() async throws {
        let env = try await Environment(topics: ["keel.workflow.runs", "keel.deadletter"])
        defer { Task.detached { await env.remove() } }
        let v1 = (0..<20).map { index in
            event(
                "keel.workflow.run.started", key: "run-\(index)",
                data: .object([
                    "runId": .string("run-\(index)"), "workflowId": .string("wf"), "input": .object([:]),
                ]), dataversion: 1)
        }
        try await env.produce(v1, to: "keel.workflow.runs")
        try await env.runUntilCaughtUp(RunsV2Projector())
        let documents = try await env.documents("runs", in: .live("runs"))
        #expect(documents.count == 20)
        #expect(documents.values.allSatisfy { $0["trigger"] == .string("api") && $0["workflowVersion"] == .int(1) })
        #expect(try await env.store.deadLetters(.live("runs")).isEmpty)
    }
}

/// A test projector for v2 `keel.workflow.run.started` data only: poison on anything else.
struct RunsV2Projector: Projector {
    var name = "runs"
    var topics = ["keel.workflow.runs"]
    var collections = ["runs"]
    var version = 2
    var dataVersions: [String: Int] { ["keel.workflow.run.started": 2] }

    func project(_ event: ProjectedEvent) throws(ProjectionError) -> [DocumentChange] {
        guard event.event.type == "keel.workflow.run.started" else { return [] }
        guard let data = event.event.jsonData, case .int(let version)? = data["workflowVersion"],
            case .string(let trigger)? = data["trigger"]?["kind"], case .string(let run)? = data["runId"]
        else { throw ProjectionError(code: "data", "not v2 run.started data") }
        return [
            DocumentChange(
                collection: "runs", id: run,
                operation: .replace([
                    "workflowVersion": .int(version), "trigger": .string(trigger),
                ]))
        ]
    }
}

/// A fault injector around the real store: the first `failures` applies throw `.unavailable`
/// (without touching the store), then every call goes through.
final class FlakyStore: ForwardingStore {
    let inner: any ProjectionStore
    private let remaining: Mutex<Int>
    private let count = Mutex(0)

    init(_ inner: any ProjectionStore, failures: Int) {
        self.inner = inner
        remaining = Mutex(failures)
    }

    var failed: Int { count.withLock { $0 } }
    var description: String { "flaky(\(inner.description))" }

    func apply(_ batch: ProjectionBatch) async throws -> ApplyOutcome {
        let fail = remaining.withLock { remaining -> Bool in
            guard remaining > 0 else { return false }
            remaining -= 1
            return true
        }
        if fail {
            count.withLock { $0 += 1 }
            throw StoreError(.unavailable, "injected outage")
        }
        return try await inner.apply(batch)
    }

    /// The wrapped store outlives the wrapper: shutting down the wrapper leaves it open.
    func shutdown() async throws {}
}
