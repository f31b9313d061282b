import Foundation
import Testing

@testable import KeelCore

@Suite struct PrepareTests {
    let catalog: TopicCatalog

    init() throws {
        catalog = try CatalogFixtures.catalog()
    }

    private func payment(_ data: JSONValue?, version: Int? = nil) -> CloudEvent {
        var event = CloudEvent(id: "1", source: "/billing", type: "keel.payment.made", data: data.map(CloudEventData.json))
        event.dataversion = version
        return event
    }

    private func error(_ event: CloudEvent, _ topic: String = "keel.payments") -> EventValidationError? {
        do {
            _ = try catalog.prepare(event, forTopic: topic)
            return nil
        } catch {
            return error
        }
    }

    @Test func completesAValidEvent() throws {
        let prepared = try catalog.prepare(payment(["paymentId": "p-1", "amount": 5]), forTopic: "keel.payments")
        #expect(prepared.partitionkey == "p-1")
        #expect(prepared.dataversion == 2)
        let v1 = try catalog.prepare(payment(["paymentId": "p-2"], version: 1), forTopic: "keel.payments")
        #expect(v1.dataversion == 1)
        #expect(v1.partitionkey == "p-2")
    }

    @Test func unknownTopic() {
        #expect(
            error(payment(["paymentId": "p"]), "keel.nope")
                == EventValidationError(field: "topic", reason: "unknown topic 'keel.nope' (see `keel topics list`)"))
    }

    @Test func invalidEnvelope() {
        var event = payment(["paymentId": "p", "amount": 1])
        event.source = ""
        #expect(error(event)?.field == "source")
    }

    @Test func registeredTypeOnTheWrongTopic() {
        let found = error(payment(["paymentId": "p", "amount": 1]), "keel.tenants")
        #expect(found?.field == "type")
        #expect(found?.reason == "'keel.payment.made' belongs on topic 'keel.payments', not 'keel.tenants'")
    }

    @Test func registeredTypeOnTheIngestTopicIsStillValidated() throws {
        var event = payment(["paymentId": "p", "amount": 1])
        event.partitionkey = "given"
        let prepared = try catalog.prepare(event, forTopic: "keel.external")
        #expect(prepared.partitionkey == "given")
        #expect(prepared.dataversion == 2)
        #expect(error(payment(["paymentId": "p", "amount": -1]), "keel.external")?.field == "data/amount")
    }

    @Test func unknownTypeOnAClosedTopicListsItsTypes() {
        let event = CloudEvent(id: "1", source: "/s", type: "com.example.other", data: .json([:]))
        let found = error(event)
        #expect(found?.field == "type")
        #expect(found?.reason.contains("keel.payment.made, keel.payment.noted") == true)
    }

    @Test func unknownTypeOnTheIngestTopicPassesUnvalidated() throws {
        let event = CloudEvent(id: "1", source: "/s", type: "com.example.other", subject: "order-7", data: .binary([1]))
        let prepared = try catalog.prepare(event, forTopic: "keel.external")
        #expect(prepared.partitionkey == "order-7")
        #expect(prepared.dataversion == nil)
        let bySource = try catalog.prepare(CloudEvent(id: "1", source: "/shop", type: "com.example.other"), forTopic: "keel.external")
        #expect(bySource.partitionkey == "/shop")
    }

    @Test func schemaViolationsNameTheDataPointer() {
        let found = error(payment(["paymentId": "p", "amount": -5]))
        #expect(found == EventValidationError(field: "data/amount", reason: "must be >= 0"))
        #expect(found?.description == "data/amount: must be >= 0")
        let several = error(payment(["amount": "x"]))
        #expect(several?.field == "data/paymentId")
        #expect(several?.reason == "is required (and 1 more problem)")
        #expect(error(payment(.array([])))?.field == "data")
    }

    @Test func unknownVersion() {
        let found = error(payment(["paymentId": "p"], version: 3))
        #expect(found?.field == "dataversion")
        #expect(found?.reason == "unknown version 3 of 'keel.payment.made' (known: 1, 2)")
    }

    @Test func registeredTypesNeedJSONData() {
        #expect(error(payment(nil))?.field == "data")
        var text = payment(nil)
        text.datacontenttype = "text/plain"
        text.data = .text("p-1")
        #expect(error(text)?.field == "data")
        var mislabelled = payment(["paymentId": "p", "amount": 1])
        mislabelled.datacontenttype = "text/plain"
        #expect(error(mislabelled)?.field == "datacontenttype")
        // A schema of `true` accepts anything, including no data — but the key still has to come from somewhere.
        var noted = CloudEvent(id: "1", source: "/s", type: "keel.payment.noted", datacontenttype: "text/plain", data: .text("hi"))
        #expect(error(noted)?.field == "partitionkey")
        noted.data = .json(["paymentId": "p-9"])
        noted.datacontenttype = nil
        #expect(error(noted) == nil)
    }

    @Test func keyRules() throws {
        // The key rule yields nothing.
        let missing = error(CloudEvent(id: "1", source: "/s", type: "keel.tenant.created", data: .json([:])), "keel.tenants")
        #expect(missing?.field == "partitionkey")
        #expect(missing?.reason.contains("tenant") == true)
        // tenantid feeds the key.
        var event = CloudEvent(id: "1", source: "/s", type: "keel.tenant.created", data: .json([:]))
        event.tenantid = "acme"
        #expect(try catalog.prepare(event, forTopic: "keel.tenants").partitionkey == "acme")
        // A rule that does not start from partitionkey overrides nothing: a conflicting key is refused.
        var conflicting = payment(["paymentId": "p-1", "amount": 1])
        conflicting.partitionkey = "p-2"
        let found = error(conflicting)
        #expect(found?.field == "partitionkey")
        #expect(found?.reason.contains("must be 'p-1'") == true)
        conflicting.partitionkey = "p-1"
        #expect(error(conflicting) == nil)
        // Integers in data become decimal keys.
        let rule = KeyRule(description: "n", sources: [.data(pointer: "/n"), .subject])
        #expect(rule.key(for: CloudEvent(id: "1", source: "/s", type: "t", data: .json(["n": 42]))) == "42")
        #expect(rule.key(for: CloudEvent(id: "1", source: "/s", type: "t", subject: "s", data: .json(["n": ""]))) == "s")
        #expect(rule.key(for: CloudEvent(id: "1", source: "/s", type: "t", data: .json(["n": 1.5]))) == nil)
    }

    @Test func tenantScopedKeysHoldTheTenant() throws {
        let rooms = #"""
            {"name": "keel.rooms", "description": "Rooms.", "partitions": 3, "replicationFactor": 1, "cleanupPolicy": "compact",
             "retention": "forever", "writer": "keel", "tenantReadable": true,
             "key": {"description": "the room id", "from": ["data:/roomId"], "scope": "tenant"},
             "eventTypes": [{"type": "keel.room.opened", "description": "d", "versions": [{"version": 1, "schema": {"type": "object"}}]}]}
            """#
        let catalog = try TopicCatalog(files: [CatalogFixtures.file("keel.rooms", rooms)])
        var mine = CloudEvent(id: "1", source: "/s", type: "keel.room.opened", data: .json(["roomId": "lobby"]))
        mine.tenantid = "acme"
        var theirs = mine
        theirs.tenantid = "globex"
        // The same client-chosen id gives each tenant its own record key: neither can compact away the other's.
        #expect(try catalog.prepare(mine, forTopic: "keel.rooms").partitionkey == "acme/lobby")
        #expect(try catalog.prepare(theirs, forTopic: "keel.rooms").partitionkey == "globex/lobby")
        // A given key must be the tenant's own.
        theirs.partitionkey = "acme/lobby"
        #expect(throws: EventValidationError.self) { try catalog.prepare(theirs, forTopic: "keel.rooms") }
        var orphan = mine
        orphan.tenantid = nil
        do {
            _ = try catalog.prepare(orphan, forTopic: "keel.rooms")
            Issue.record("an event without a tenant was keyed on a tenant-scoped topic")
        } catch {
            #expect(error.field == "tenantid")
        }
    }

    @Test func dataTypedAsTheCloudEventsFormatIsRefused() throws {
        for contentType in ["application/cloudevents+json", "application/cloudevents-batch+json; charset=utf-8", "APPLICATION/CLOUDEVENTS"] {
            var event = CloudEvent(id: "1", source: "/s", type: "com.example.thing.done", data: .json(["tenantid": "globex"]))
            event.datacontenttype = contentType
            #expect(error(event, "keel.external")?.field == "datacontenttype", "\(contentType)")
        }
    }
}
