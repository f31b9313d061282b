import Foundation
import HTTPTypes
import HummingbirdTesting
import KeelCore
import KeelGateway
import KeelLog
import KeelTestSupport
import Testing

/// Two tenants, real routes: every way one tenant could write into or read from the other's
/// data that a security review found, each of which these tests catch if the guard is removed.
@Suite("Tenant isolation")
struct TenantIsolationTests {
    /// A full CloudEvent of tenant `globex`, as a tenant `acme` producer would smuggle it.
    static let smuggled =
        #"{"specversion":"1.0","id":"victim-1","source":"shop","type":"com.acme.order.placed","tenantid":"globex","data":{"n":1}}"#

    @Test("ingest refuses data typed as the CloudEvents format, in structured and batch mode, naming the attribute")
    func cloudEventsDataIsRefused() async throws {
        let harness = try await Harness()
        try await harness.withRouter { client in
            try await client.createTenant("acme")
            let acme = try await client.createKey(tenant: "acme", roles: ["producer"])
            for contentType in ["application/cloudevents+json", "application/cloudevents-batch+json", "Application/CloudEvents+JSON; charset=utf-8"] {
                let response = try await client.post(
                    event: structuredEvent(id: "s1", data: Self.smuggled, extra: #","datacontenttype":"\#(contentType)""#), token: acme)
                expectProblem(response, .badRequest, "invalid-event")
                #expect(response.body.json["field"]?.stringValue == "datacontenttype", "\(response.body.text)")
            }
            let batch =
                "[\(structuredEvent(id: "ok")),\(structuredEvent(id: "s2", data: Self.smuggled, extra: #","datacontenttype":"application/cloudevents+json""#))]"
            let refused = try await client.call(.post, "/v1/events", token: acme, contentType: "application/cloudevents-batch+json", body: batch)
            expectProblem(refused, .badRequest, "invalid-event")
            #expect(refused.body.json["index"]?.intValue == 1)
            // Nothing reached the log, and the same data with its own type is fine.
            #expect(try await harness.events(in: "keel.external").isEmpty)
            #expect(
                try await client.post(
                    event: structuredEvent(id: "s3", data: Self.smuggled, extra: #","datacontenttype":"application/json""#), token: acme
                )
                .status == .accepted)
        }
        await harness.remove()
    }

    @Test("a record stamped for one tenant whose data is a whole event of another reaches neither the other's streams, counts nor dedupe index")
    func forgedRecordStaysWithItsStamp() async throws {
        let harness = try await Harness()
        try await harness.withLive { client in
            let port = try #require(client.port)
            try await client.createTenant("acme")
            try await client.createTenant("globex")
            let globex = try await client.createKey(tenant: "globex", roles: ["producer", "reader"])
            // What ingest wrote before the fix: binary mode, stamped acme, content type "structured".
            let headers = [
                RecordHeader(name: "ce_specversion", text: "1.0"), RecordHeader(name: "ce_id", text: "forged-1"),
                RecordHeader(name: "ce_source", text: "evil"), RecordHeader(name: "ce_type", text: "com.acme.order.placed"),
                RecordHeader(name: "ce_tenantid", text: "acme"), RecordHeader(name: "ce_partitionkey", text: "evil"),
                RecordHeader(name: "content-type", text: "application/cloudevents+json"),
            ]
            _ = try await harness.log.produce(
                OutgoingRecord(key: Array("evil".utf8), value: Array(Self.smuggled.utf8), headers: headers), to: "keel.external")
            // The projectors file it under acme, its stamp.
            try await waitUntil {
                let acme = try await client.call(.get, "/v1/analytics/activity?tenant=acme&type=com.acme.order.placed", token: adminKey)
                return acme.body.json["total"]?.intValue == 1
            }
            let counted = try await client.call(.get, "/v1/analytics/activity?type=com.acme.order.placed", token: globex)
            #expect(counted.body.json["total"]?.intValue == 0, "\(counted.body.text)")
            // globex's own event with the smuggled source and id is not a "duplicate".
            let own = try await client.post(event: structuredEvent(id: "victim-1", source: "shop"), token: globex)
            #expect(own.status == .accepted)
            #expect(own.body.json["duplicate"] == .bool(false), "\(own.body.text)")
            // globex's live streams from the start hold its own event only.
            let streamed = try await subscribe(port: port, query: "topic=keel.external&from=earliest", token: globex) { $0.count == 1 }
            #expect(streamed.messages.map { $0["source"]?.stringValue } == ["shop"])
            #expect(streamed.messages.first?["tenantid"]?.stringValue == "globex")
            let frames = try await readSSE(port: port, query: "topic=keel.external&from=earliest", token: globex, lastEventID: nil, events: 1)
            #expect(frames.map { $0.data["source"]?.stringValue } == ["shop"])
        }
        await harness.remove()
    }

    @Test("two tenants using one partition key on the shared topic keep one `keys` document each")
    func keysDocumentsAreTenantScoped() async throws {
        let harness = try await Harness()
        try await harness.withRouter { client in
            try await client.createTenant("acme")
            try await client.createTenant("globex")
            let acme = try await client.createKey(tenant: "acme", roles: ["producer", "reader"])
            let globex = try await client.createKey(tenant: "globex", roles: ["producer", "reader"])
            #expect(try await client.post(event: structuredEvent(id: "a1", extra: #","partitionkey":"order-1""#), token: acme).status == .accepted)
            #expect(try await client.post(event: structuredEvent(id: "g1", extra: #","partitionkey":"order-1""#), token: globex).status == .accepted)
            func documents(_ token: String) async throws -> [JSONValue] {
                let response = try await client.call(.get, "/v1/projections/keys/documents?filter=key:eq:order-1", token: token)
                #expect(response.status == .ok, "\(response.body.text)")
                return response.body.json["documents"]?.arrayValue ?? []
            }
            try await waitUntil {
                let theirs = try await documents(globex).count
                let mine = try await documents(acme).count
                return theirs == 1 && mine == 1
            }
            #expect(try await documents(acme).map { $0["eventId"]?.stringValue } == ["a1"])
            #expect(try await documents(globex).map { $0["eventId"]?.stringValue } == ["g1"])
            // One document of the other tenant, by id, is a 404 like a missing one.
            let acmeID = try #require(try await documents(acme).first?["_id"]?.stringValue)
            let encoded = acmeID.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            #expect(try await client.call(.get, "/v1/projections/keys/documents/\(encoded)", token: acme).status == .ok)
            expectProblem(try await client.call(.get, "/v1/projections/keys/documents/\(encoded)", token: globex), .notFound, "not-found")
        }
        await harness.remove()
    }

    @Test("internal topics are never projected for tenants nor streamable; key hashes are readable by no route")
    func internalTopicsStayInternal() async throws {
        let harness = try await Harness()
        try await harness.withRouter { client in
            try await client.createTenant("acme")
            let reader = try await client.createKey(tenant: "acme", roles: ["producer", "reader"])
            _ = try await client.createKey(tenant: "acme", roles: ["operator"])
            // An event of acme's after its keys: once it is projected, so would the keys have been.
            #expect(
                try await client.post(event: structuredEvent(id: "after-keys", extra: #","partitionkey":"k""#), token: reader).status == .accepted)
            try await waitUntil {
                let page = try await client.call(.get, "/v1/projections/keys/documents?filter=eventId:eq:after-keys", token: reader)
                return page.body.json["documents"]?.arrayValue?.count == 1
            }
            for topic in ["keel.apikeys", "keel.tenants", "keel.deadletter"] {
                let page = try await client.call(.get, "/v1/projections/keys/documents?filter=topic:eq:\(topic)", token: reader)
                #expect(page.body.json["documents"]?.arrayValue?.isEmpty == true, "\(topic): \(page.body.text)")
                let admin = try await client.call(.get, "/v1/projections/keys/documents?tenant=acme&filter=topic:eq:\(topic)", token: adminKey)
                #expect(admin.body.json["documents"]?.arrayValue?.isEmpty == true, "\(topic): \(admin.body.text)")
            }
            let keyTypes = try await client.call(.get, "/v1/analytics/activity?type=keel.apikey.created", token: reader)
            #expect(keyTypes.body.json["total"]?.intValue == 0, "\(keyTypes.body.text)")
            // Key listings show no hash or salt.
            let keys = try await client.call(.get, "/v1/tenants/acme/keys", token: adminKey)
            #expect(keys.status == .ok && !keys.body.text.contains("hash") && !keys.body.text.contains("salt"), "\(keys.body.text)")
            // Streams: internal topics are refused, topics outside the catalog are unknown.
            for topic in ["keel.apikeys", "keel.tenants", "keel.deadletter", "keel.scheduler.timers", "keel.workflow.commands"] {
                expectProblem(try await client.call(.get, "/v1/stream?topic=\(topic)", token: reader), .forbidden, "forbidden")
                expectProblem(try await client.call(.get, "/v1/subscribe?topic=\(topic)", token: reader), .forbidden, "forbidden")
                expectProblem(try await client.call(.get, "/v1/stream?topic=\(topic)&tenant=acme", token: adminKey), .forbidden, "forbidden")
            }
            expectProblem(try await client.call(.get, "/v1/stream?topic=keel.nope", token: reader), .notFound, "not-found")
        }
        await harness.remove()
    }

    @Test("the types of every topic Keel writes are refused at ingest; the open topic takes any other type")
    func keelTopicsAreWrittenByKeelAlone() async throws {
        let harness = try await Harness()
        try await harness.withRouter { client in
            try await client.createTenant("acme")
            let producer = try await client.createKey(tenant: "acme", roles: ["producer"])
            let owned = catalog.topics.filter { $0.writer == .keel }
            #expect(owned.count == catalog.topics.count - 1)
            for topic in owned {
                for type in topic.eventTypes.map(\.type) {
                    let response = try await client.post(event: structuredEvent(id: "forge-\(type)", type: type), token: producer)
                    expectProblem(response, .forbidden, "forbidden")
                    #expect(response.body.text.contains(topic.name), "\(response.body.text)")
                }
            }
            #expect(try await client.post(event: structuredEvent(id: "fine"), token: producer).status == .accepted)
        }
        #expect(try await harness.events(in: "keel.external").map(\.id) == ["fine"])
        for topic in catalog.topics where topic.writer == .keel && !["keel.tenants", "keel.apikeys", "keel.audit"].contains(topic.name) {
            #expect(try await harness.events(in: topic.name).isEmpty, "\(topic.name)")
        }
        await harness.remove()
    }

    @Test("a tenant admin manages its own keys and reads its own tenant, never other tenants nor tenant creation")
    func tenantAdminScope() async throws {
        let harness = try await Harness()
        try await harness.withRouter { client in
            try await client.createTenant("acme")
            try await client.createTenant("globex")
            let tenantAdmin = try await client.createKey(tenant: "acme", roles: ["admin"])
            let globexKey = try #require(ApiKeyToken(parsing: try await client.createKey(tenant: "globex", roles: ["reader"])))
            expectProblem(
                try await client.call(.post, "/v1/tenants", token: tenantAdmin, body: #"{"tenantId":"initech","name":"I"}"#), .forbidden, "forbidden")
            expectProblem(try await client.call(.get, "/v1/tenants", token: tenantAdmin), .forbidden, "forbidden")
            expectProblem(try await client.call(.get, "/v1/tenants/globex", token: tenantAdmin), .forbidden, "forbidden")
            expectProblem(try await client.call(.get, "/v1/tenants/globex/keys", token: tenantAdmin), .forbidden, "forbidden")
            expectProblem(
                try await client.call(.post, "/v1/tenants/globex/keys", token: tenantAdmin, body: #"{"name":"x","roles":["reader"]}"#), .forbidden,
                "forbidden")
            expectProblem(try await client.call(.delete, "/v1/tenants/globex/keys/\(globexKey.keyId)", token: tenantAdmin), .forbidden, "forbidden")
            // Its own tenant and keys.
            let own = try await client.call(.get, "/v1/tenants/acme", token: tenantAdmin)
            #expect(own.status == .ok && own.body.json["tenantId"]?.stringValue == "acme", "\(own.body.text)")
            let created = try await client.call(.post, "/v1/tenants/acme/keys", token: tenantAdmin, body: #"{"name":"ci","roles":["producer"]}"#)
            #expect(created.status == .created, "\(created.body.text)")
            #expect(try await client.call(.get, "/v1/tenants/acme/keys", token: tenantAdmin).status == .ok)
            #expect(try await client.call(.get, "/v1/audit", token: tenantAdmin).status == .ok)
            // Projection status spans every tenant: a tenant's operator or admin may not read it.
            let tenantOperator = try await client.createKey(tenant: "acme", roles: ["operator"])
            for token in [tenantOperator, tenantAdmin] {
                expectProblem(try await client.call(.get, "/v1/projections", token: token), .forbidden, "forbidden")
            }
            #expect(try await client.call(.get, "/v1/projections", token: adminKey).status == .ok)
            // The platform admin still does all of it.
            #expect(try await client.call(.get, "/v1/tenants", token: adminKey).status == .ok)
            #expect(try await client.call(.get, "/v1/tenants/globex", token: adminKey).status == .ok)
        }
        await harness.remove()
    }
}
