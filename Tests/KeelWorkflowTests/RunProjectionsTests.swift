import Foundation
import KeelCore
import KeelWorkflow
import Testing

@Suite struct RunProjectionsTests {
    static let definition = try! JSONValue.parse(
        #"{"id":"wf","steps":[{"id":"a","kind":"set","value":1},{"id":"b.x","kind":"transform","expression":"steps.a.output"}]}"#)

    static func start(input: JSONValue = .object(["n": .int(1)])) -> RunEvent.Fact {
        .started(
            RunStart(
                workflowId: "wf", workflowVersion: 2, definition: definition, format: .keel, params: input,
                trigger: RunTrigger(kind: "api", id: "key:k1"), tenant: "acme"))
    }

    /// The run's events as the projectors see them: one projected event each, tenant-stamped.
    static func projected(_ facts: [RunEvent.Fact], tenant: String = "acme", topic: String = RunsProjector.topic) -> [ProjectedEvent] {
        facts.enumerated().map { index, fact in
            let run = RunEvent(runId: "r1", seq: Int64(index + 1), timeMs: 1_000 + Int64(index) * 10, fact: fact)
            var event = CloudEvent(id: "e\(index)", source: "test", type: run.type, json: run.data)
            event.tenantid = tenant
            return ProjectedEvent(event: event, topic: topic, partition: 0, offset: Int64(index), timestampMs: 0, key: "\(tenant)/r1")
        }
    }

    static func fold(_ projector: some Projector, _ events: [ProjectedEvent]) throws -> [String: [String: DocumentValue]] {
        var documents: [String: [String: DocumentValue]] = [:]
        for event in events {
            for change in try projector.project(event) {
                guard case .upsert(let update) = change.operation else {
                    Issue.record("unexpected operation \(change.operation)")
                    continue
                }
                var document = documents[change.id] ?? [:]
                let isNew = documents[change.id] == nil
                if isNew { for (path, value) in update.setOnInsert { set(&document, path, value) } }
                for (path, value) in update.set { set(&document, path, value) }
                for path in update.unset { set(&document, path, nil) }
                for (path, value) in update.max {
                    if let current = get(document, path), DocumentValue.compare(current, value) >= 0 { continue }
                    set(&document, path, value)
                }
                for (path, value) in update.inc {
                    let current = get(document, path)?.intValue ?? 0
                    set(&document, path, .int(current + (value.intValue ?? 0)))
                }
                documents[change.id] = document
            }
        }
        return documents
    }

    static func get(_ document: [String: DocumentValue], _ path: String) -> DocumentValue? {
        var current: DocumentValue = .object(document)
        for part in path.split(separator: ".") {
            guard case .object(let members) = current, let next = members[String(part)] else { return nil }
            current = next
        }
        return current
    }

    static func set(_ document: inout [String: DocumentValue], _ path: String, _ value: DocumentValue?) {
        let parts = path.split(separator: ".").map(String.init)
        func assign(_ members: inout [String: DocumentValue], _ index: Int) {
            if index == parts.count - 1 {
                members[parts[index]] = value
                return
            }
            var child: [String: DocumentValue] = [:]
            if case .object(let existing)? = members[parts[index]] { child = existing }
            assign(&child, index + 1)
            members[parts[index]] = .object(child)
        }
        assign(&document, 0)
    }

    static let lifecycle: [RunEvent.Fact] = [
        start(),
        .stepScheduled(stepId: "a", attempt: 1, item: nil, itemCount: nil, input: .int(1)),
        .stepCompleted(stepId: "a", attempt: 1, item: nil, output: .int(1), durationMs: 3, cached: false),
        .stepScheduled(stepId: "b.x", attempt: 1, item: nil, itemCount: nil, input: .null),
        .stepFailed(stepId: "b.x", attempt: 1, item: nil, error: StepError(code: "http-503", message: "down"), retryable: true, durationMs: 7),
        .stepRetryScheduled(stepId: "b.x", item: nil, nextAttempt: 2, delayMs: 100, timerId: "t1"),
        .stepScheduled(stepId: "b.x", attempt: 2, item: nil, itemCount: nil, input: .null),
        .stepCompleted(stepId: "b.x", attempt: 2, item: nil, output: .string("ok"), durationMs: 4, cached: true),
        .completed(output: .object(["done": .bool(true)]), durationMs: 70),
    ]

    @Test func runsDocumentFollowsTheRun() throws {
        let documents = try Self.fold(RunsProjector(), Self.projected(Self.lifecycle))
        #expect(Array(documents.keys) == ["acme|r1"])
        let run = try #require(documents["acme|r1"])
        #expect(run["tenant"] == .string("acme"))
        #expect(run["runId"] == .string("r1"))
        #expect(run["workflowId"] == .string("wf"))
        #expect(run["version"] == .int(2))
        #expect(run["status"] == .string("completed"))
        #expect(run["trigger"] == .object(["kind": .string("api"), "id": .string("key:k1")]))
        #expect(run["startedAt"] == .date(1_000))
        #expect(run["endedAt"] == .date(1_080))
        #expect(run["durationMs"] == .int(70))
        #expect(run["seq"] == .int(9))
        #expect(run["input"] == .object(["n": .int(1)]))
        #expect(run["output"] == .object(["done": .bool(true)]))
        #expect(Self.get(run, "steps.a.status") == .string("completed"))
        #expect(Self.get(run, "steps.a.kind") == .string("set"))
        // A step id with a dot is one path segment.
        #expect(Self.get(run, "steps.b%2Ex.status") == .string("completed"))
        #expect(Self.get(run, "steps.b%2Ex.kind") == .string("transform"))
        #expect(Self.get(run, "steps.b%2Ex.attempt") == .int(2))
        #expect(Self.get(run, "steps.b%2Ex.cached") == .bool(true))
    }

    @Test func stepsDocumentsAreOnePerAttempt() throws {
        let documents = try Self.fold(StepsProjector(), Self.projected(Self.lifecycle))
        #expect(Set(documents.keys) == ["acme|r1|a|1", "acme|r1|b.x|1", "acme|r1|b.x|2"])
        let failed = try #require(documents["acme|r1|b.x|1"])
        #expect(failed["status"] == .string("failed"))
        #expect(failed["error"] == .object(["code": .string("http-503"), "message": .string("down")]))
        #expect(failed["durationMs"] == .int(7))
        #expect(failed["nextAttempt"] == .int(2))
        #expect(failed["tenant"] == .string("acme"))
        let retried = try #require(documents["acme|r1|b.x|2"])
        #expect(retried["status"] == .string("completed"))
        #expect(retried["cached"] == .bool(true))
        #expect(retried["output"] == .string("ok"))
        #expect(retried["attempt"] == .int(2))
    }

    @Test func endingsPausesAndSkips() throws {
        let facts: [RunEvent.Fact] = [
            Self.start(), .stepSkipped(stepId: "a", reason: "condition is false"),
            .paused(reason: "operator", stepId: nil, failed: false), .resumed(by: "ops", retrying: []),
            .paused(reason: "b failed", stepId: "b.x", failed: true),
            .cancelled(reason: "no longer needed", by: "ops"),
        ]
        let runs = try Self.fold(RunsProjector(), Self.projected(facts))
        let run = try #require(runs["acme|r1"])
        #expect(run["status"] == .string("cancelled"))
        #expect(run["endedAt"] == .date(1_050))
        #expect(run["reason"] == .string("no longer needed"))
        #expect(Self.get(run, "steps.a.status") == .string("skipped"))
        let steps = try Self.fold(StepsProjector(), Self.projected(facts))
        #expect(steps["acme|r1|a|0"]?["status"] == .string("skipped"))

        let paused = try Self.fold(RunsProjector(), Self.projected(Array(facts.prefix(5))))
        #expect(paused["acme|r1"]?["status"] == .string("failed-waiting"))
        #expect(paused["acme|r1"]?["pausedReason"] == .string("b failed"))
    }

    @Test func largeValuesAreCapped() throws {
        let big = JSONValue.object(["blob": .string(String(repeating: "x", count: RunDocuments.maximumValueBytes))])
        let runs = try Self.fold(RunsProjector(), Self.projected([Self.start(input: big)]))
        let input = try #require(runs["acme|r1"]?["input"])
        #expect(input == .object(["truncated": .bool(true), "bytes": .int(Int64(big.serialized().count))]))
    }

    @Test func onlyRunEventsOfTheirTopicAndTenantScoped() throws {
        #expect(try Self.fold(RunsProjector(), Self.projected(Self.lifecycle, topic: "com.acme.orders")).isEmpty)
        #expect(try Self.fold(StepsProjector(), Self.projected(Self.lifecycle, topic: "com.acme.orders")).isEmpty)
        var unknown = CloudEvent(id: "x", source: "test", type: "keel.workflow.run.unknown", json: .object(["runId": .string("r1"), "seq": .int(1)]))
        unknown.tenantid = "acme"
        let event = ProjectedEvent(event: unknown, topic: RunsProjector.topic, partition: 0, offset: 0, timestampMs: 0)
        #expect(try RunsProjector().project(event).isEmpty)
        let other = try Self.fold(RunsProjector(), Self.projected(Self.lifecycle, tenant: "globex"))
        #expect(Array(other.keys) == ["globex|r1"])
        #expect(other["globex|r1"]?["tenant"] == .string("globex"))
    }
}
