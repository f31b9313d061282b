import Foundation
import KeelCore
import Testing

@Suite("Projectors are pure")
struct ProjectorTests {
    func projected(_ event: CloudEvent, topic: String = "keel.external", partition: Int32 = 0, offset: Int64 = 7, key: String? = nil)
        -> ProjectedEvent
    {
        ProjectedEvent(event: event, topic: topic, partition: partition, offset: offset, timestampMs: 42, key: key ?? event.partitionkey)
    }

    @Test("activity: one upsert per event into its tenant × type × UTC hour")
    func activityChange() throws {
        let time: Int64 = 1_790_000_123_456
        let changes = try ActivityProjector(topics: []).project(projected(event("keel.tenant.created", tenant: "acme", timeMs: time)))
        let hour = time - time % 3_600_000
        #expect(
            changes == [
                DocumentChange(
                    collection: "activity", id: "acme|keel.tenant.created|\(hour)",
                    operation: .upsert(
                        DocumentUpdate(
                            setOnInsert: ["tenant": .string("acme"), "type": .string("keel.tenant.created"), "hour": .date(hour)],
                            inc: ["count": .int(1)], max: ["lastTime": .date(time)], min: ["firstTime": .date(time)])))
            ])
    }

    @Test(
        "activity: hour buckets floor, also before 1970 and exactly on the hour",
        arguments: [
            (Int64(0), Int64(0)), (3_599_999, 0), (3_600_000, 3_600_000), (-1, -3_600_000), (-3_600_000, -3_600_000), (-3_600_001, -7_200_000),
        ])
    func hourBuckets(time: Int64, expected: Int64) {
        #expect(ActivityProjector.hourStart(time) == expected)
    }

    @Test("activity: no tenant files under '-', no time uses the record timestamp")
    func activityFallbacks() throws {
        var noTime = event("keel.tenant.created", tenant: nil)
        noTime.time = nil
        let changes = try ActivityProjector(topics: []).project(projected(noTime))
        #expect(changes.first?.id == "-|keel.tenant.created|0")
    }

    @Test("activity: default topics are the catalog's tenant-readable ones, without the token stream")
    func activityTopics() {
        let topics = ActivityProjector.defaultTopics(in: catalog)
        #expect(!topics.contains("keel.assistant.tokens"))
        #expect(topics.contains("keel.audit") && topics.contains("keel.workflow.runs"))
        for hidden in ["keel.deadletter", "keel.tenants", "keel.apikeys"] { #expect(!topics.contains(hidden), "\(hidden)") }
        #expect(topics.count == catalog.tenantReadableTopics.count - 1)
    }

    @Test("audit: one replace per event id with tenant, actor, type, time and data")
    func auditDocument() throws {
        let e = event("keel.audit.action.recorded", tenant: "acme", timeMs: 1_000, data: auditData(actor: "key-1"), id: "ev-1")
        let changes = try AuditProjector().project(projected(e, topic: "keel.audit", partition: 2, offset: 9))
        guard case .replace(let document)? = changes.first?.operation else { Issue.record("expected a replace"); return }
        #expect(changes.count == 1 && changes[0].id == "ev-1" && changes[0].collection == "audit")
        #expect(document["tenant"] == .string("acme") && document["actorId"] == .string("key-1"))
        #expect(document["time"] == .date(1_000) && document["type"] == .string("keel.audit.action.recorded"))
        #expect(document["action"] == .string("events.produce") && document["outcome"] == .string("allowed"))
        #expect(document["partition"] == .int(2) && document["offset"] == .int(9))
        #expect(document["data"]?.value(atPath: "resource.kind") == .string("topic"))
    }

    @Test("audit: no tenant, no actor, or non-JSON data is poison", arguments: [0, 1, 2, 3])
    func auditPoison(variant: Int) {
        var e = event("keel.audit.action.recorded", data: auditData())
        switch variant {
        case 0: e.tenantid = nil
        case 1: e.data = .json(.object(["action": .string("x")]))
        case 2: e.data = .text("hello")
        default: e.data = .json(.object(["actor": .object(["id": .int(3)])]))
        }
        #expect(throws: ProjectionError.self) { try AuditProjector().project(projected(e, topic: "keel.audit")) }
    }

    @Test("keys: the latest event per (tenant, topic, key) as a replace with coordinates; keyless → nothing")
    func keys() throws {
        let e = event("keel.workflow.run.started", key: "run-1", data: .object(["runId": .string("run-1")]), dataversion: 2, id: "e1")
        let changes = try KeysProjector(topics: []).project(projected(e, topic: "keel.workflow.runs", partition: 3, offset: 11))
        guard case .replace(let document)? = changes.first?.operation else { Issue.record("expected a replace"); return }
        #expect(changes[0].id == "t1|keel.workflow.runs|run-1")
        #expect(document["offset"] == .int(11) && document["partition"] == .int(3) && document["eventId"] == .string("e1"))
        #expect(document["dataversion"] == .int(2) && document["timestamp"] == .date(42))
        #expect(document["data"]?.value(atPath: "runId") == .string("run-1"))
        let keyless = event("keel.tenant.created")
        #expect(try KeysProjector(topics: []).project(projected(keyless, key: nil)).isEmpty)
    }

    @Test("keys: two tenants with the same key on a shared topic address two documents")
    func keysKeepTenantsApart() throws {
        let mine = event("com.acme.order.placed", tenant: "acme", key: "order-1", id: "a")
        let theirs = event("com.acme.order.placed", tenant: "globex", key: "order-1", id: "b")
        let projector = KeysProjector(topics: [])
        let first = try projector.project(projected(mine, topic: "keel.external"))
        let second = try projector.project(projected(theirs, topic: "keel.external"))
        #expect(first[0].id == "acme|keel.external|order-1")
        #expect(second[0].id == "globex|keel.external|order-1")
        let noTenant = try projector.project(projected(event("com.acme.order.placed", tenant: nil, key: "order-1"), topic: "keel.external"))
        #expect(noTenant[0].id == "-|keel.external|order-1")
    }

    @Test("projectors are deterministic: the same event gives the same changes")
    func deterministic() throws {
        let e = event("keel.audit.action.recorded", key: "t1", data: auditData())
        for projector in [ActivityProjector(topics: []), AuditProjector(), KeysProjector(topics: [])] as [any Projector] {
            #expect(try projector.project(projected(e)) == (try projector.project(projected(e))))
        }
    }
}
