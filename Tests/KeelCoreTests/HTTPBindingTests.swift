import Foundation
import Testing

@testable import KeelCore

@Suite struct HTTPBindingTests {
    typealias Headers = [(name: String, value: String)]

    static let required: Headers = [
        ("ce-specversion", "1.0"), ("ce-id", "ev-1"), ("ce-source", "https://acme.example/orders"),
        ("ce-type", "com.acme.order.placed"),
    ]

    func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    func binaryError(_ headers: Headers, body: [UInt8] = []) -> EventValidationError? {
        do {
            _ = try HTTPBinding.decodeBinary(headers: headers, body: body)
            return nil
        } catch {
            return error
        }
    }

    func structuredError(_ body: String) -> EventValidationError? {
        do {
            _ = try HTTPBinding.decodeStructured(bytes(body))
            return nil
        } catch {
            return error
        }
    }

    func batchError(_ body: String, maxEvents: Int = 10) -> EventValidationError? {
        do {
            _ = try HTTPBinding.decodeBatch(bytes(body), maxEvents: maxEvents)
            return nil
        } catch {
            return error
        }
    }

    // MARK: - content mode

    @Test func contentModeFollowsTheMediaType() {
        #expect(HTTPBinding.contentMode(contentType: nil) == .binary)
        #expect(HTTPBinding.contentMode(contentType: "application/json") == .binary)
        #expect(HTTPBinding.contentMode(contentType: "text/plain") == .binary)
        #expect(HTTPBinding.contentMode(contentType: "") == .binary)
        #expect(HTTPBinding.contentMode(contentType: "application/cloudevents+json") == .structured)
        #expect(HTTPBinding.contentMode(contentType: "Application/CloudEvents+JSON; charset=utf-8") == .structured)
        #expect(HTTPBinding.contentMode(contentType: "application/cloudevents+json ;charset=UTF-8") == .structured)
        #expect(HTTPBinding.contentMode(contentType: "application/cloudevents-batch+json") == .batch)
        #expect(HTTPBinding.contentMode(contentType: "APPLICATION/CLOUDEVENTS-BATCH+JSON; charset=utf-8") == .batch)
        #expect(HTTPBinding.contentMode(contentType: "application/cloudevents+jsonx") == .binary)
        #expect(HTTPBinding.contentMode(contentType: "application/cloudevents") == .binary)
    }

    // MARK: - structured

    @Test func decodesStructuredEvents() throws {
        let body =
            #"{"specversion":"1.0","id":"ev-1","source":"/orders","type":"com.acme.order.placed","time":"2026-11-21T07:10:45.123Z","tenantid":"acme","data":{"n":1}}"#
        let event = try HTTPBinding.decodeStructured(bytes(body))
        #expect(event.id == "ev-1" && event.source == "/orders" && event.type == "com.acme.order.placed")
        #expect(event.tenantid == "acme")
        #expect(event.data == .json(["n": 1]))
        #expect(event.time == RFC3339.parse("2026-11-21T07:10:45.123Z"))
        // The round trip with the JSON event format is exact.
        #expect(try HTTPBinding.decodeStructured(event.structured().serialized()) == event)
    }

    @Test func malformedStructuredBodiesNameTheBodyAndThePosition() throws {
        let truncated = try #require(structuredError(#"{"specversion":"1.0","id":"#))
        #expect(truncated.field == "body")
        #expect(truncated.reason.contains("byte 26") && truncated.reason.contains("line 1"))
        let multiline = try #require(structuredError("{\n  \"id\": \"a\",\n  \"id\": \"b\"\n}"))
        #expect(multiline.field == "body")
        #expect(multiline.reason.contains("duplicate object key \"id\""))
        #expect(multiline.reason.contains("line 3, column 3"))
        var invalidUTF8 = bytes(#"{"specversion":"1.0","id":""#)
        invalidUTF8 += [0xC3, 0x28]
        invalidUTF8 += bytes(#"","source":"/s","type":"t"}"#)
        do {
            _ = try HTTPBinding.decodeStructured(invalidUTF8)
            Issue.record("invalid UTF-8 was accepted")
        } catch {
            #expect(error.field == "body" && error.reason.contains("UTF-8") && error.reason.contains("byte 27"))
        }
        #expect(structuredError("")?.field == "body")
        #expect(structuredError("[1] x")?.field == "body")
    }

    @Test func structuredEnvelopeErrorsNameTheAttribute() {
        #expect(structuredError(#"{"specversion":"1.0","id":"a","source":"/s"}"#)?.field == "type")
        #expect(structuredError(#"{"specversion":"0.3","id":"a","source":"/s","type":"t"}"#)?.field == "specversion")
        #expect(structuredError(#"{"specversion":"1.0","id":"a","source":"/s","type":"t","time":"yesterday"}"#)?.field == "time")
        #expect(structuredError("[]")?.field == "event")
    }

    // MARK: - batch

    @Test func decodesBatches() throws {
        let events = try (1...3).map { n in
            try HTTPBinding.decodeStructured(bytes(#"{"specversion":"1.0","id":"e\#(n)","source":"/s","type":"a.b.c","data":\#(n)}"#))
        }
        let body = JSONValue.array(events.map { $0.structured() }).serialized()
        #expect(try HTTPBinding.decodeBatch(body, maxEvents: 3) == events)
    }

    @Test func batchRulesAreAllOrNothing() throws {
        let good = #"{"specversion":"1.0","id":"a","source":"/s","type":"t"}"#
        #expect(batchError(good)?.field == "body")
        #expect(batchError(good)?.reason.contains("JSON array") == true)
        #expect(batchError("[]")?.field == "body")
        let tooMany = "[" + Array(repeating: good, count: 4).joined(separator: ",") + "]"
        let over = try #require(batchError(tooMany, maxEvents: 3))
        #expect(over.field == "body" && over.reason.contains("at most 3") && over.reason.contains("got 4"))
        #expect(batchError(tooMany, maxEvents: 4) == nil)
        let badFourth = "[\(good),\(good),\(good),{\"specversion\":\"1.0\",\"id\":\"x\",\"source\":\"/s\"}]"
        #expect(batchError(badFourth)?.field == "[3].type")
        #expect(batchError("[\(good),\"not an event\"]")?.field == "[1].event")
        #expect(
            batchError("[\(good),{\"specversion\":\"1.0\",\"id\":\"x\",\"source\":\"/s\",\"type\":\"t\",\"tenantid\":\"ACME\"}]")?.field
                == "[1].tenantid")
        let truncated = try #require(batchError("[\(good),"))
        #expect(truncated.field == "body" && truncated.reason.contains("end of input"))
    }

    // MARK: - binary

    @Test func decodesBinaryEventsWithJSONData() throws {
        let headers: Headers =
            Self.required + [
                ("Content-Type", "application/json; charset=utf-8"), ("ce-time", "2026-11-21T08:10:45.123+01:00"),
                ("ce-subject", "order-1"), ("ce-tenantid", "acme"), ("ce-dataversion", "2"), ("Accept", "*/*"),
                ("ce-dataschema", "https://schemas.acme.example/order.json"),
            ]
        let event = try HTTPBinding.decodeBinary(headers: headers, body: bytes(#"{"amount": 12, "note": "héllo"}"#))
        #expect(event.id == "ev-1" && event.source == "https://acme.example/orders" && event.type == "com.acme.order.placed")
        #expect(event.specversion == "1.0")
        #expect(event.datacontenttype == "application/json; charset=utf-8")
        #expect(event.time == RFC3339.parse("2026-11-21T07:10:45.123Z"))
        #expect(event.subject == "order-1" && event.tenantid == "acme" && event.dataversion == 2)
        #expect(event.dataschema == "https://schemas.acme.example/order.json")
        #expect(event.data == .json(["amount": 12, "note": "héllo"]))
        #expect(event.extensions.keys.sorted() == ["dataversion", "tenantid"])
    }

    @Test func binaryDataFollowsTheContentType() throws {
        func data(_ contentType: String?, _ body: [UInt8]) throws -> CloudEventData? {
            var headers = Self.required
            if let contentType { headers.append(("content-type", contentType)) }
            return try HTTPBinding.decodeBinary(headers: headers, body: body).data
        }
        #expect(try data("application/vnd.acme+json", bytes("[1,2]")) == .json([1, 2]))
        #expect(try data("text/plain; charset=utf-8", bytes("plain ✓")) == .text("plain ✓"))
        #expect(try data("text/csv", bytes("a,b")) == .text("a,b"))
        #expect(try data("application/octet-stream", [0, 0xFF]) == .binary([0, 0xFF]))
        #expect(try data(nil, bytes("{\"looks\":\"like json\"}")) == .binary(bytes("{\"looks\":\"like json\"}")))
        #expect(try data("application/json", []) == nil)
        #expect(try data(nil, []) == nil)
    }

    @Test func badBinaryBodiesAreErrors() throws {
        let json = try #require(binaryError(Self.required + [("Content-Type", "application/json")], body: bytes("{\"a\":1,}")))
        #expect(json.field == "body" && json.reason.contains("line 1, column 8"))
        let duplicate = try #require(binaryError(Self.required + [("Content-Type", "application/json")], body: bytes(#"{"a":1,"a":2}"#)))
        #expect(duplicate.field == "body" && duplicate.reason.contains("duplicate"))
        let text = try #require(binaryError(Self.required + [("Content-Type", "text/plain")], body: [0x61, 0xFF]))
        #expect(text.field == "body" && text.reason.contains("UTF-8"))
    }

    @Test func headerNamesAreCaseInsensitive() throws {
        let headers: Headers = [
            ("CE-SpecVersion", "1.0"), ("Ce-Id", "ev-1"), ("ce-SOURCE", "/s"), ("cE-tYpE", "t"), ("CONTENT-TYPE", "text/plain"),
            ("Ce-TenantID", "acme"),
        ]
        let event = try HTTPBinding.decodeBinary(headers: headers, body: bytes("x"))
        #expect(event.id == "ev-1" && event.source == "/s" && event.type == "t" && event.tenantid == "acme")
        #expect(event.datacontenttype == "text/plain" && event.data == .text("x"))
    }

    @Test func headerValuesArePercentDecoded() throws {
        let headers: Headers =
            Self.required.filter { $0.name != "ce-id" } + [
                ("ce-id", "ev%201"), ("ce-subject", "caf%C3%A9%20%22quoted%22%20100%25"), ("ce-custom", "%e2%9c%93 ok"),
            ]
        let event = try HTTPBinding.decodeBinary(headers: headers, body: [])
        #expect(event.id == "ev 1")
        #expect(event.subject == "café \"quoted\" 100%")
        #expect(event.extensions["custom"] == "✓ ok")
        // Without escapes the value is taken as is.
        #expect(try HTTPBinding.decodeBinary(headers: Self.required + [("ce-subject", "plain")], body: []).subject == "plain")
    }

    @Test(arguments: ["%", "%4", "%G1", "abc%", "%%41", "a%2"])
    func invalidPercentEncodingNamesTheHeader(_ value: String) throws {
        let error = try #require(binaryError(Self.required + [("Ce-Subject", value)]))
        #expect(error.field == "subject")
        #expect(error.reason.contains("Ce-Subject") && error.reason.contains("percent"))
    }

    @Test func percentEncodedInvalidUTF8IsAnError() throws {
        let error = try #require(binaryError(Self.required + [("ce-subject", "%C3%28")]))
        #expect(error.field == "subject" && error.reason.contains("UTF-8"))
        #expect(binaryError(Self.required + [("ce-subject", "%FF")])?.field == "subject")
    }

    @Test func missingRequiredAttributesAreNamed() {
        for name in ["id", "source", "type", "specversion"] {
            let error = binaryError(Self.required.filter { $0.name != "ce-\(name)" })
            #expect(error?.field == name, "\(name)")
            #expect(error?.reason.contains("ce-\(name)") == true, "\(name)")
        }
        #expect(binaryError([])?.field != nil)
    }

    @Test func envelopeRulesAreTheCloudEventRules() {
        func with(_ name: String, _ value: String) -> Headers {
            Self.required.filter { $0.name != name } + [(name, value)]
        }
        #expect(binaryError(with("ce-specversion", "0.3"))?.field == "specversion")
        #expect(binaryError(with("ce-id", ""))?.field == "id")
        #expect(binaryError(with("ce-source", "not a uri"))?.field == "source")
        #expect(binaryError(with("ce-time", "2026-11-21"))?.field == "time")
        #expect(binaryError(with("ce-tenantid", "ACME"))?.field == "tenantid")
        #expect(binaryError(with("ce-dataversion", "0"))?.field == "dataversion")
        #expect(binaryError(with("ce-subject", ""))?.field == "subject")
        #expect(binaryError(with("ce-data", "x"))?.field == "data")
        #expect(binaryError(with("ce-bad_name", "x"))?.field == "bad_name")
        #expect(binaryError(with("ce-datacontenttype", "application/json"))?.field == "datacontenttype")
        #expect(binaryError(Self.required + [("Content-Type", "not a media type")])?.field == "datacontenttype")
        #expect(binaryError(Self.required + [("ce-", "x")])?.field == "ce-")
    }

    @Test func repeatedHeadersAreErrors() throws {
        let repeated = try #require(binaryError(Self.required + [("CE-ID", "ev-2")]))
        #expect(repeated.field == "id" && repeated.reason.contains("more than once"))
        #expect(binaryError(Self.required + [("ce-tenantid", "a"), ("Ce-TenantId", "a")])?.field == "tenantid")
        #expect(binaryError(Self.required + [("content-type", "text/plain"), ("Content-Type", "text/plain")])?.field == "datacontenttype")
    }

    @Test func binaryEventsSurviveTheCatalog() throws {
        let catalog = try RealCatalogTests.load()
        let headers: Headers = Self.required + [("content-type", "application/json"), ("ce-tenantid", "acme")]
        let event = try HTTPBinding.decodeBinary(headers: headers, body: bytes(#"{"amount":1}"#))
        let prepared = try catalog.prepare(event, forTopic: "keel.external")
        #expect(prepared.partitionkey != nil)
    }
}
