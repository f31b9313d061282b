import Foundation
import KeelCore
import KeelLog
import KeelRuntime
import KeelStore
import Testing

@Suite("Dead letters: per-key blocking, redrive, skip", .serialized)
struct DeadLetterTests {
    func audit(_ tenant: String, actor: String?, id: String) -> CloudEvent {
        var data = auditData(actor: actor ?? "x")
        if actor == nil { data = .object(["action": .string("broken")]) }
        return event("keel.audit.action.recorded", tenant: tenant, key: tenant, data: data, id: id)
    }

    func deadLetterTopic(_ env: Environment) async throws -> [CloudEvent] {
        let partitions = (0..<6).map { TopicPartition(DeadLetterEvents.topic, Int32($0)) }
        let consumer = try await env.log.makeConsumer(ConsumerConfiguration(subscription: .partitions(partitions), start: .earliest))
        var events: [CloudEvent] = []
        while let polled = try await consumer.poll(timeout: .milliseconds(300)) {
            if case .records(let records) = polled {
                events += try records.map { try KafkaBinding.decode(key: $0.key, value: $0.value, headers: $0.headers) }
            }
        }
        try await consumer.close()
        return events
    }

    @Test("a poison event is dead-lettered, its key waits, other keys flow; redrive keeps it blocked; skip releases the rest")
    func poisonThenSkip() async throws {
        let env = try await Environment(topics: ["keel.audit", "keel.deadletter"])
        defer { Task.detached { await env.remove() } }
        let projector = AuditProjector()
        try await env.produce(
            [
                audit("t1", actor: "a", id: "1"), audit("t2", actor: "a", id: "2"), audit("t2", actor: nil, id: "3"),
                audit("t1", actor: "b", id: "4"), audit("t2", actor: "c", id: "5"), audit("t3", actor: "a", id: "6"),
                audit("t2", actor: "d", id: "7"),
            ], to: "keel.audit")
        try await env.runUntilCaughtUp(projector)
        var documents = try await env.documents("audit", in: .live("audit"))
        #expect(Set(documents.keys) == ["1", "2", "4", "6"])
        var entries = try await env.store.deadLetters(.live("audit"))
        #expect(entries.map(\.status) == [.poison, .parked, .parked])
        #expect(entries.map(\.eventID) == ["3", "5", "7"])
        let poison = entries[0]
        #expect(poison.error?.code == "data" && poison.key == "t2")
        #expect(entries.dropFirst().allSatisfy { $0.blockedBy == poison.id })

        // The dead-letter topic tells the same story, in the catalog's schema.
        let notices = try await deadLetterTopic(env)
        #expect(notices.map(\.type) == [DeadLetterEvents.deadLettered, DeadLetterEvents.parked, DeadLetterEvents.parked])
        for notice in notices {
            let schema = catalog.eventType(named: notice.type)!.version(1)!.schema
            #expect(schema.validate(notice.jsonData!).isEmpty)
        }
        #expect(notices[0].jsonData?["originalOffset"] == .int(poison.offset))

        // Blocked state survives a restart, and a later event of the key still waits.
        try await env.produce([audit("t2", actor: "e", id: "8")], to: "keel.audit")
        try await env.runUntilCaughtUp(projector)
        #expect(try await env.store.deadLetters(.live("audit")).count == 4)

        // Redrive: still poison, stays blocked.
        _ = try await env.log.produce(DeadLetterEvents.redriveRequest(projection: "audit", entry: poison.id), to: DeadLetterEvents.topic)
        try await env.runUntilCaughtUp(projector)
        entries = try await env.store.deadLetters(.live("audit"))
        #expect(entries.count == 4 && entries[0].status == .poison)

        // Skip: the poison entry is dropped, the parked ones are applied in order.
        _ = try await env.log.produce(DeadLetterEvents.skipRequest(projection: "audit", entry: poison.id, reason: "test"), to: DeadLetterEvents.topic)
        try await env.runUntilCaughtUp(projector)
        #expect(try await env.store.deadLetters(.live("audit")).isEmpty)
        documents = try await env.documents("audit", in: .live("audit"))
        #expect(Set(documents.keys) == ["1", "2", "4", "5", "6", "7", "8"])
        let types = try await deadLetterTopic(env).map(\.type)
        #expect(types.contains(DeadLetterEvents.skipped) && types.filter { $0 == DeadLetterEvents.redriven }.count == 3)
    }

    @Test("one tenant's poison record parks only its own records of the key, never another tenant's with the same key")
    func poisonIsTenantScoped() async throws {
        let env = try await Environment(topics: ["keel.audit", "keel.deadletter"])
        defer { Task.detached { await env.remove() } }
        func shared(_ tenant: String, actor: String?, id: String) -> CloudEvent {
            var event = audit(tenant, actor: actor, id: id)
            event.partitionkey = "shared-key"
            return event
        }
        try await env.produce(
            [
                shared("t1", actor: nil, id: "poison"), shared("t2", actor: "a", id: "other-tenant"), shared("t1", actor: "b", id: "same-tenant"),
            ], to: "keel.audit")
        try await env.runUntilCaughtUp(AuditProjector())
        #expect(Set(try await env.documents("audit", in: .live("audit")).keys) == ["other-tenant"])
        let entries = try await env.store.deadLetters(.live("audit"))
        #expect(entries.map(\.eventID) == ["poison", "same-tenant"])
        #expect(entries.map(\.status) == [.poison, .parked])
        #expect(entries.allSatisfy { $0.tenant == "t1" && $0.blockKey?.description == "t1|keel.audit|shared-key" })
    }

    @Test("an upcaster failure dead-letters; after the fix, redrive --all applies everything in order")
    func redriveAfterFix() async throws {
        let env = try await Environment(topics: ["keel.workflow.runs", "keel.deadletter"])
        defer { Task.detached { await env.remove() } }
        let broken = UpcasterChain([
            Upcaster(type: "keel.workflow.run.started", fromVersion: 1) { (_: JSONValue) throws(ProjectionError) -> JSONValue in
                throw ProjectionError(code: "bug", "broken upcaster")
            }
        ])
        let events = (0..<10).map { index in
            event(
                "keel.workflow.run.started", key: "run-\(index % 4)",
                data: .object([
                    "runId": .string("run-\(index)"), "workflowId": .string("wf"), "input": .object([:]),
                ]), dataversion: 1)
        }
        try await env.produce(events, to: "keel.workflow.runs")
        try await env.runUntilCaughtUp(RunsV2Projector(), upcasters: broken)
        let entries = try await env.store.deadLetters(.live("runs"))
        #expect(entries.filter { $0.status == .poison }.count == 4)
        #expect(entries.count == 10)
        #expect(entries.allSatisfy { $0.status == .parked || $0.error?.code == "upcast" })
        #expect(try await env.documents("runs", in: .live("runs")).isEmpty)

        _ = try await env.log.produce(DeadLetterEvents.redriveRequest(projection: "runs", entry: nil), to: DeadLetterEvents.topic)
        try await env.runUntilCaughtUp(RunsV2Projector(), upcasters: .standard)
        #expect(try await env.store.deadLetters(.live("runs")).isEmpty)
        #expect(try await env.documents("runs", in: .live("runs")).count == 10)
    }
}
