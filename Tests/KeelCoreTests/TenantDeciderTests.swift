import Foundation
import Testing

@testable import KeelCore

@Suite struct TenantDeciderTests {
    static let acme = TenantState(id: "acme", name: "Acme Corp", plan: .pro)

    func code(_ body: () throws(AccessError) -> [TenantEvent]) -> (AccessError.Code, String?)? {
        do {
            _ = try body()
            return nil
        } catch {
            return (error.code, error.field)
        }
    }

    @Test func createEmitsCreated() throws {
        let events = try TenantDecider.decide(.create(tenantId: "acme", name: "Acme Corp", plan: "pro"), state: nil)
        #expect(events == [.created(tenantId: "acme", name: "Acme Corp", plan: .pro)])
        #expect(events.reduce(nil, TenantDecider.evolve) == Self.acme)
    }

    @Test func createValidatesEveryField() {
        func create(_ id: String = "acme", _ name: String = "Acme", _ plan: String = "free") -> (AccessError.Code, String?)? {
            code { () throws(AccessError) in try TenantDecider.decide(.create(tenantId: id, name: name, plan: plan), state: nil) }
        }
        #expect(create() == nil)
        #expect(create("a") == nil)
        #expect(create("a-" + String(repeating: "b", count: 61)) == nil)
        for badID in ["", "-acme", "Acme", "acme_corp", "acme.corp", String(repeating: "a", count: 64), "ácme"] {
            #expect(create(badID)! == (.invalid, "tenantId"), "\(badID)")
        }
        #expect(create("acme", "")! == (.invalid, "name"))
        #expect(create("acme", String(repeating: "x", count: 200)) == nil)
        #expect(create("acme", String(repeating: "é", count: 200)) == nil)
        #expect(create("acme", String(repeating: "x", count: 201))! == (.invalid, "name"))
        for badPlan in ["", "Pro", "gold", " free"] {
            #expect(create("acme", "Acme", badPlan)! == (.invalid, "plan"), "\(badPlan)")
        }
    }

    @Test func createOnAnExistingTenantConflicts() throws {
        do {
            _ = try TenantDecider.decide(.create(tenantId: "acme", name: "Again", plan: "free"), state: Self.acme)
            Issue.record("expected a conflict")
        } catch {
            #expect(error.code == .conflict)
            #expect(error.field == "tenantId")
            #expect(error.description.contains("already exists"))
        }
    }

    @Test func suspendRules() throws {
        let events = try TenantDecider.decide(.suspend(tenantId: "acme", reason: "unpaid invoice"), state: Self.acme)
        #expect(events == [.suspended(tenantId: "acme", reason: "unpaid invoice", name: Self.acme.name, plan: Self.acme.plan)])
        let suspended = try #require(events.reduce(Self.acme, TenantDecider.evolve))
        #expect(suspended.suspended && suspended.suspendReason == "unpaid invoice")
        // Idempotent once suspended.
        #expect(try TenantDecider.decide(.suspend(tenantId: "acme", reason: "again"), state: suspended).isEmpty)
        #expect(
            code { () throws(AccessError) in try TenantDecider.decide(.suspend(tenantId: "ghost", reason: "x"), state: nil) }! == (
                .notFound, "tenantId"
            ))
        #expect(
            code { () throws(AccessError) in try TenantDecider.decide(.suspend(tenantId: "acme", reason: ""), state: Self.acme) }! == (
                .invalid, "reason"
            ))
        #expect(
            code { () throws(AccessError) in try TenantDecider.decide(.suspend(tenantId: "ACME", reason: "x"), state: nil) }! == (
                .invalid, "tenantId"
            ))
    }

    @Test func evolveFoldsUpdates() {
        let renamed = TenantDecider.evolve(Self.acme, .updated(tenantId: "acme", name: "Acme Inc", plan: nil))
        #expect(renamed == TenantState(id: "acme", name: "Acme Inc", plan: .pro))
        let upgraded = TenantDecider.evolve(renamed, .updated(tenantId: "acme", name: nil, plan: .enterprise))
        #expect(upgraded == TenantState(id: "acme", name: "Acme Inc", plan: .enterprise))
        // Without the created record, a partial record has nothing to update.
        #expect(TenantDecider.evolve(nil, .updated(tenantId: "acme", name: "x", plan: nil)) == nil)
        #expect(TenantDecider.evolve(nil, .suspended(tenantId: "acme", reason: "x")) == nil)
    }

    @Test("the latest record alone rebuilds the tenant: keel.tenants is compacted")
    func latestRecordRebuilds() throws {
        // What the decider emits carries the whole state.
        let suspension = try TenantDecider.decide(.suspend(tenantId: "acme", reason: "unpaid"), state: Self.acme)
        let fromLatest = try #require(suspension.reduce(nil, TenantDecider.evolve))
        #expect(fromLatest == TenantState(id: "acme", name: Self.acme.name, plan: Self.acme.plan, suspended: true, suspendReason: "unpaid"))
        // A full-state update of a suspended tenant keeps it suspended when replayed alone.
        let update = TenantEvent.updated(tenantId: "acme", name: "Acme Inc", plan: .enterprise, suspendReason: "unpaid")
        #expect(
            TenantDecider.evolve(nil, update)
                == TenantState(id: "acme", name: "Acme Inc", plan: .enterprise, suspended: true, suspendReason: "unpaid"))
        #expect(TenantDecider.evolve(nil, .updated(tenantId: "acme", name: "A", plan: .free)) == TenantState(id: "acme", name: "A", plan: .free))
        // So the id cannot be taken again once the created record is gone.
        let refusal = code { () throws(AccessError) in
            try TenantDecider.decide(.create(tenantId: "acme", name: "Other", plan: "free"), state: fromLatest)
        }
        #expect(refusal! == (.conflict, "tenantId"))
    }

    @Test func wireFormRoundTrips() throws {
        let events: [TenantEvent] = [
            .created(tenantId: "acme", name: "Acme Corp", plan: .enterprise),
            .updated(tenantId: "acme", name: "Acme Inc", plan: nil),
            .updated(tenantId: "acme", name: nil, plan: .free),
            .updated(tenantId: "acme", name: "Both", plan: .pro),
            .suspended(tenantId: "acme", reason: "unpaid invoice"),
            .suspended(tenantId: "acme", reason: "unpaid invoice", name: "Acme Corp", plan: .pro),
            .updated(tenantId: "acme", name: "Acme Inc", plan: .pro, suspendReason: "unpaid invoice"),
        ]
        for event in events {
            #expect(TenantEvent(type: event.type, data: event.data) == event)
            let reparsed = try JSONValue.parse(event.data.serialized())
            #expect(TenantEvent(type: event.type, data: reparsed) == event)
            #expect(event.tenantId == "acme")
        }
        #expect(events[0].data == ["tenantId": "acme", "name": "Acme Corp", "plan": "enterprise"])
        #expect(events[1].data == ["tenantId": "acme", "name": "Acme Inc"])
        #expect(events[4].data == ["tenantId": "acme", "reason": "unpaid invoice"])
        #expect(events[5].data == ["tenantId": "acme", "reason": "unpaid invoice", "name": "Acme Corp", "plan": "pro"])
        #expect(
            events.map(\.type) == [
                "keel.tenant.created", "keel.tenant.updated", "keel.tenant.updated", "keel.tenant.updated", "keel.tenant.suspended",
                "keel.tenant.suspended", "keel.tenant.updated",
            ])
    }

    @Test func readingRejectsMalformedData() {
        #expect(TenantEvent(type: "keel.tenant.created", data: ["tenantId": "acme", "name": "A"]) == nil)
        #expect(TenantEvent(type: "keel.tenant.created", data: ["tenantId": "acme", "name": "A", "plan": "gold"]) == nil)
        #expect(TenantEvent(type: "keel.tenant.created", data: ["tenantId": 1, "name": "A", "plan": "pro"]) == nil)
        #expect(TenantEvent(type: "keel.tenant.updated", data: ["tenantId": "acme", "name": 3]) == nil)
        #expect(TenantEvent(type: "keel.tenant.updated", data: ["tenantId": "acme", "plan": .null]) == nil)
        #expect(TenantEvent(type: "keel.tenant.suspended", data: ["tenantId": "acme"]) == nil)
        #expect(TenantEvent(type: "keel.tenant.deleted", data: ["tenantId": "acme"]) == nil)
        #expect(TenantEvent(type: "keel.tenant.created", data: ["acme"]) == nil)
        // Unknown members are ignored (the tenant schemas allow them).
        #expect(
            TenantEvent(type: "keel.tenant.suspended", data: ["tenantId": "acme", "reason": "r", "by": "ops"])
                == .suspended(tenantId: "acme", reason: "r"))
    }

    @Test func cloudEventsPrepareOnTheRealCatalog() throws {
        let catalog = try RealCatalogTests.load()
        let time = Date(timeIntervalSince1970: 1_795_245_045.123)
        let events: [TenantEvent] = [
            .created(tenantId: "acme", name: "Acme Corp", plan: .pro),
            .updated(tenantId: "acme", name: nil, plan: .enterprise),
            .suspended(tenantId: "acme", reason: "unpaid invoice"),
            .suspended(tenantId: "acme", reason: "unpaid invoice", name: "Acme Corp", plan: .pro),
            .updated(tenantId: "acme", name: "Acme Corp", plan: .pro, suspendReason: "unpaid invoice"),
        ]
        for event in events {
            let cloudEvent = event.cloudEvent(source: "/keel/gateway", id: "ev-1", time: time)
            #expect(cloudEvent.type == event.type)
            #expect(cloudEvent.tenantid == "acme")
            #expect(cloudEvent.partitionkey == "acme")
            #expect(cloudEvent.dataversion == 1)
            #expect(cloudEvent.datacontenttype == "application/json")
            #expect(cloudEvent.time == time && cloudEvent.id == "ev-1" && cloudEvent.source == "/keel/gateway")
            let prepared = try catalog.prepare(cloudEvent, forTopic: TenantEvent.topic)
            #expect(prepared == cloudEvent)
            #expect(TenantEvent(prepared) == event)
        }
    }
}
