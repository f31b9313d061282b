import Foundation
import HTTPTypes
import HummingbirdTesting
import KeelCore
import KeelGateway
import KeelTestSupport
import NIOCore
import Testing

@Suite("Ingest: POST /v1/events")
struct IngestTests {
    @Test("structured, binary and batch modes produce to the home topic with the caller's tenant")
    func modes() async throws {
        let harness = try await Harness()
        try await harness.withRouter { client in
            try await client.createTenant("acme")
            let producer = try await client.createKey(tenant: "acme", roles: ["producer"])
            let structured = try await client.post(event: structuredEvent(id: "s1"), token: producer)
            #expect(structured.status == .accepted, "\(structured.body.text)")
            #expect(structured.body.json["topic"]?.stringValue == "keel.external")
            #expect(structured.body.json["duplicate"]?.boolValue == false)
            let binary = try await client.call(
                .post, "/v1/events", token: producer, contentType: "application/json", body: #"{"n":2}"#,
                headers: [
                    HTTPField.Name("ce-specversion")!: "1.0", HTTPField.Name("ce-id")!: "b1", HTTPField.Name("ce-source")!: "test",
                    HTTPField.Name("ce-type")!: "com.acme.order.placed", HTTPField.Name("ce-subject")!: "caf%C3%A9",
                ])
            #expect(binary.status == .accepted, "\(binary.body.text)")
            let batch = try await client.call(
                .post, "/v1/events", token: producer, contentType: "application/cloudevents-batch+json",
                body: "[\(structuredEvent(id: "a1")),\(structuredEvent(id: "a2"))]")
            #expect(batch.status == .accepted, "\(batch.body.text)")
            #expect(batch.body.json["accepted"]?.intValue == 2)
        }
        let events = try await harness.events(in: "keel.external")
        #expect(Set(events.map(\.id)) == ["s1", "b1", "a1", "a2"])
        #expect(events.allSatisfy { $0.tenantid == "acme" })
        #expect(events.first { $0.id == "b1" }?.subject == "café")
        await harness.remove()
    }

    @Test("a registered type of a producer-writable topic goes to its home topic and is schema-checked")
    func catalogTypes() async throws {
        let orders = #"""
            {"name": "keel.orders", "description": "Orders, a topic producers write.", "partitions": 3, "replicationFactor": 1,
             "cleanupPolicy": "delete", "retention": "7d", "writer": "any", "tenantReadable": true,
             "key": {"description": "the order id", "from": ["data:/orderId"], "scope": "tenant"},
             "eventTypes": [{"type": "com.acme.order.placed", "description": "An order.", "versions": [{"version": 1,
               "schema": {"type": "object", "required": ["orderId", "total"], "properties": {"orderId": {"type": "string"}, "total": {"type": "string"}}}}]}]}
            """#
        let extended = try TopicCatalog(files: repositoryCatalogFiles + [CatalogFile(path: "Topics/keel.orders.json", contents: Array(orders.utf8))])
        let harness = try await Harness(catalog: extended)
        try await harness.withRouter { client in
            try await client.createTenant("acme")
            let producer = try await client.createKey(tenant: "acme", roles: ["producer"])
            let good = try await client.post(
                event: structuredEvent(id: "o1", type: "com.acme.order.placed", data: #"{"orderId":"A-1","total":"12.50"}"#), token: producer)
            #expect(good.status == .accepted, "\(good.body.text)")
            #expect(good.body.json["topic"]?.stringValue == "keel.orders")
            let bad = try await client.post(
                event: structuredEvent(id: "o2", type: "com.acme.order.placed", data: #"{"orderId":"A-2","total":12.5}"#), token: producer)
            expectProblem(bad, .badRequest, "invalid-event")
            #expect(bad.body.json["field"]?.stringValue == "data/total", "\(bad.body.text)")
            // A type of a topic only Keel writes is refused, however valid its data.
            let usage = try await client.post(
                event: structuredEvent(id: "u1", type: "keel.llm.call.completed", data: Self.usageData), token: producer)
            expectProblem(usage, .forbidden, "forbidden")
        }
        let stored = try await harness.events(in: "keel.orders")
        #expect(stored.map(\.id) == ["o1"])
        #expect(stored.first?.partitionkey == "acme/A-1")
        #expect(try await harness.events(in: "keel.llm.usage").isEmpty)
        await harness.remove()
    }

    static var usageData: String {
        let definition = catalog.eventType(named: "keel.llm.call.completed")!
        return definition.versions.last!.examples.first!.jsonString
    }

    @Test("idempotency: the same (source, id) is appended once, across requests and a restart")
    func dedupe() async throws {
        let directory = try TemporaryDirectory(prefix: "keel-dedupe")
        let first = try await Harness(directory: directory)
        let token = TokenBox()
        try await first.withRouter { client in
            try await client.createTenant("acme")
            token.value = try await client.createKey(tenant: "acme", roles: ["producer"])
            let original = try await client.post(event: structuredEvent(id: "d1"), token: token.value)
            #expect(original.status == .accepted)
            let again = try await client.post(event: structuredEvent(id: "d1"), token: token.value)
            #expect(again.status == .accepted)
            #expect(again.body.json["duplicate"]?.boolValue == true)
            #expect(again.body.json["offset"] == original.body.json["offset"])
            #expect(again.body.json["partition"] == original.body.json["partition"])
            // Same id, other source: a different event.
            let other = try await client.post(event: structuredEvent(id: "d1", source: "other"), token: token.value)
            #expect(other.body.json["duplicate"]?.boolValue == false)
            // Wait until the dedupe projection has the events, so a restart can find them.
            try await waitUntil { try await first.store.count(.live("dedupe"), collection: "accepted", filter: []) >= 2 }
        }
        await first.close()
        let second = try await Harness(directory: directory)
        try await second.withRouter { client in
            let afterRestart = try await client.post(event: structuredEvent(id: "d1"), token: token.value)
            #expect(afterRestart.status == .accepted, "\(afterRestart.body.text)")
            #expect(afterRestart.body.json["duplicate"]?.boolValue == true)
            // Another tenant posting the same (source, id) is not a duplicate of acme's.
            try await client.createTenant("globex")
            let globex = try await client.createKey(tenant: "globex", roles: ["producer"])
            let theirs = try await client.post(event: structuredEvent(id: "d1"), token: globex)
            #expect(theirs.body.json["duplicate"]?.boolValue == false)
        }
        let ids = try await second.events(in: "keel.external").map { "\($0.tenantid ?? "")/\($0.source)/\($0.id)" }
        #expect(ids.sorted() == ["acme/other/d1", "acme/test/d1", "globex/test/d1"])
        await second.remove()
    }

    @Test("bad input gets a precise problem, nothing reaches a topic, the server keeps serving")
    func badInput() async throws {
        let harness = try await Harness {
            $0.maxBodyBytes = 4096; $0.maxBatchEvents = 3
        }
        try await harness.withRouter { client in
            try await client.createTenant("acme")
            try await client.createTenant("globex")
            let producer = try await client.createKey(tenant: "acme", roles: ["producer"])
            let reader = try await client.createKey(tenant: "acme", roles: ["reader"])
            let limited = try await client.createKey(tenant: "acme", roles: ["producer"], extra: #","allowedTypes":["com.acme.billing.*"]"#)
            let ce = "application/cloudevents+json"
            // Malformed and truncated JSON: 400 naming the position.
            let truncated = try await client.call(.post, "/v1/events", token: producer, contentType: ce, body: #"{"specversion":"1.0","id":"x""#)
            expectProblem(truncated, .badRequest, "malformed-json")
            #expect(truncated.body.json["detail"]?.stringValue?.contains("column") == true)
            // Invalid UTF-8.
            var bytes = ByteBuffer(string: #"{"specversion":"1.0","id":""#)
            bytes.writeBytes([0xff, 0xfe])
            bytes.writeString(#"","source":"s","type":"t.x"}"#)
            let utf8 = try await client.execute(uri: "/v1/events", method: .post, headers: .bearer(producer, contentType: ce), body: bytes)
            expectProblem(utf8, .badRequest, "malformed-json")
            // Duplicate and missing attributes, wrong specversion.
            let duplicate = try await client.call(
                .post, "/v1/events", token: producer, contentType: ce, body: #"{"specversion":"1.0","id":"a","id":"b","source":"s","type":"t.x"}"#)
            expectProblem(duplicate, .badRequest, "malformed-json")
            let missing = try await client.call(
                .post, "/v1/events", token: producer, contentType: ce, body: #"{"specversion":"1.0","id":"a","type":"t.x"}"#)
            expectProblem(missing, .badRequest, "invalid-event")
            #expect(missing.body.json["field"]?.stringValue == "source")
            let version = try await client.call(
                .post, "/v1/events", token: producer, contentType: ce, body: #"{"specversion":"0.3","id":"a","source":"s","type":"t.x"}"#)
            expectProblem(version, .badRequest, "invalid-event")
            #expect(version.body.json["field"]?.stringValue == "specversion")
            // A batch with one bad event: nothing from it is produced.
            let batch = try await client.call(
                .post, "/v1/events", token: producer, contentType: "application/cloudevents-batch+json",
                body: "[\(structuredEvent(id: "ok1")),{\"specversion\":\"1.0\",\"id\":\"bad\",\"source\":\"s\"}]")
            expectProblem(batch, .badRequest, "invalid-event")
            #expect(batch.body.json["index"]?.intValue == 1)
            let tooMany = try await client.call(
                .post, "/v1/events", token: producer, contentType: "application/cloudevents-batch+json",
                body: "[" + (1...4).map { structuredEvent(id: "m\($0)") }.joined(separator: ",") + "]")
            expectProblem(tooMany, .badRequest, "invalid-event")
            // Oversized body and headers.
            let huge = structuredEvent(id: "big", data: "\"" + String(repeating: "x", count: 5000) + "\"")
            expectProblem(
                try await client.call(.post, "/v1/events", token: producer, contentType: ce, body: huge), .contentTooLarge, "payload-too-large")
            let bigHeader = try await client.call(
                .post, "/v1/events", token: producer, contentType: ce, body: structuredEvent(id: "h"),
                headers: [HTTPField.Name("X-Padding")!: String(repeating: "p", count: 20_000)])
            expectProblem(bigHeader, .requestHeaderFieldsTooLarge, "headers-too-large")
            // Wrong content type (no ce- headers).
            expectProblem(
                try await client.call(.post, "/v1/events", token: producer, contentType: "text/plain", body: "hello"), .unsupportedMediaType,
                "unsupported-media-type")
            // A reader trying to write; a type outside the allow-list; another tenant; a reserved type.
            expectProblem(try await client.post(event: structuredEvent(id: "r"), token: reader), .forbidden, "forbidden")
            expectProblem(try await client.post(event: structuredEvent(id: "l"), token: limited), .forbidden, "type-not-allowed")
            let allowed = try await client.post(event: structuredEvent(id: "l2", type: "com.acme.billing.paid"), token: limited)
            #expect(allowed.status == .accepted)
            expectProblem(
                try await client.post(event: structuredEvent(id: "t", extra: #","tenantid":"globex""#), token: producer), .forbidden, "forbidden")
            expectProblem(
                try await client.post(event: structuredEvent(id: "k", type: "keel.apikey.created", data: "{}"), token: producer), .forbidden,
                "forbidden")
            // Unknown route, wrong method, no credential.
            expectProblem(try await client.call(.get, "/v1/nothing"), .notFound, "not-found")
            let wrongMethod = try await client.call(.put, "/v1/events", token: producer, body: "{}")
            expectProblem(wrongMethod, .methodNotAllowed, "method-not-allowed")
            #expect(wrongMethod.headers[.allow] == "POST")
            expectProblem(try await client.post(event: structuredEvent(id: "n"), token: "nope"), .unauthorized, "unauthorized")
            // Still serving.
            #expect(try await client.post(event: structuredEvent(id: "after"), token: producer).status == .accepted)
        }
        #expect(try await harness.events(in: "keel.external").map(\.id).sorted() == ["after", "l2"])
        await harness.remove()
    }
}

/// A value a test sets inside one closure and reads in another.
final class TokenBox: @unchecked Sendable {
    // NOTE: @unchecked — written and read by one test's sequential steps only.
    var value = ""
}

func waitUntil(timeout: Duration = .seconds(15), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock().now + timeout
    while ContinuousClock().now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    Issue.record("condition not met within \(timeout)")
}
