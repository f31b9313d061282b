import Testing

@testable import KeelCore

@Suite struct IngestDedupeProjectorTests {
    let projector = IngestDedupeProjector(topics: ["keel.external"])

    func projected(tenant: String?, source: String = "https://acme.example/orders", id: String = "ev-1", offset: Int64 = 7)
        -> ProjectedEvent
    {
        var event = CloudEvent(id: id, source: source, type: "com.acme.order.placed", json: ["n": 1])
        event.tenantid = tenant
        return ProjectedEvent(event: event, topic: "keel.external", partition: 3, offset: offset, timestampMs: 1_795_245_045_123 + offset)
    }

    @Test func describesItself() {
        #expect(projector.name == "dedupe")
        #expect(projector.collections == ["accepted"])
        #expect(projector.topics == ["keel.external"])
        #expect(projector.version == 1)
        // A keyed set: first occurrences, kept for the gateway's default window from the log timestamp.
        #expect(projector.keyedSets == [KeyedSetSpec(collection: "accepted", timeField: "acceptedAt", retentionSeconds: 7 * 86_400)])
        #expect(IngestDedupeProjector(topics: [], retentionSeconds: 60).keyedSets.first?.retentionSeconds == 60)
    }

    @Test func recordsTheFirstAcceptanceWithSetOnInsertOnly() throws {
        let changes = try projector.project(projected(tenant: "acme"))
        let expected = DocumentChange(
            collection: "accepted", id: "acme\u{1F}https://acme.example/orders\u{1F}ev-1",
            operation: .upsert(
                DocumentUpdate(setOnInsert: [
                    "tenant": .string("acme"), "source": .string("https://acme.example/orders"), "eventId": .string("ev-1"),
                    "topic": .string("keel.external"),
                    "partition": .int(3), "offset": .int(7), "acceptedAt": .date(1_795_245_045_130),
                ])))
        #expect(changes == [expected])
    }

    @Test func theFirstOccurrenceWins() throws {
        let first = try projector.project(projected(tenant: "acme", offset: 7))
        let duplicate = try projector.project(projected(tenant: "acme", offset: 90))
        #expect(first.map(\.id) == duplicate.map(\.id))
        // Only $setOnInsert: a duplicate (or a replay) never touches an existing document.
        for change in first + duplicate {
            guard case .upsert(let update) = change.operation else {
                Issue.record("expected an upsert, got \(change.operation)")
                return
            }
            #expect(update == DocumentUpdate(setOnInsert: update.setOnInsert))
        }
        // Within one batch the runtime merges them: the duplicate's insert-only fields are dropped.
        let merged = ChangeMerger.merge(first + duplicate)
        #expect(merged == first)
    }

    @Test func eventsWithoutATenantAreIgnored() throws {
        #expect(try projector.project(projected(tenant: nil)).isEmpty)
    }

    @Test func documentIDsSeparateTenantsSourcesAndIDs() throws {
        #expect(IngestDedupeProjector.documentID(tenant: "t", source: "s", id: "i") == "t\u{1F}s\u{1F}i")
        // What a printable separator would confuse stays apart.
        #expect(
            IngestDedupeProjector.documentID(tenant: "acme", source: "a|b", id: "c")
                != IngestDedupeProjector.documentID(tenant: "acme", source: "a", id: "b|c"))
        #expect(
            IngestDedupeProjector.documentID(tenant: "acme", source: "/s", id: "1")
                != IngestDedupeProjector.documentID(tenant: "other", source: "/s", id: "1"))
        // The same source and id in two tenants are two identities.
        let a = try projector.project(projected(tenant: "acme"))
        let b = try projector.project(projected(tenant: "zeta"))
        #expect(a.first?.id != b.first?.id)
        // A different id or source is a different identity.
        #expect(try projector.project(projected(tenant: "acme", id: "ev-2")).first?.id != a.first?.id)
        #expect(try projector.project(projected(tenant: "acme", source: "/other")).first?.id != a.first?.id)
    }
}
