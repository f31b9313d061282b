import Foundation
import Testing

@testable import KeelCore

@Suite struct KafkaBindingTests {
    static let time = Date(timeIntervalSince1970: 1_795_245_045.123)

    /// Every combination of optional attributes, crossed with every data kind.
    static func allEvents() -> [CloudEvent] {
        let datas: [(String?, CloudEventData?)] = [
            (nil, nil),
            ("application/json", .json(["amount": 12, "note": "héllo 😀", "nested": [1.5, .null, true]])),
            (nil, .json(["x": "no content type means JSON"])),
            ("application/vnd.keel.run+json; charset=utf-8", .json([1, 2])),
            ("text/plain; charset=utf-8", .text("plain text ✓\nline 2")),
            ("application/octet-stream", .binary([0, 1, 2, 0xFF, 0xFE])),
            ("image/png", .binary([])),
            // Data typed as the event format itself: ingest refuses it, but a record that has one
            // must still read back as binary mode, never as a whole (other tenant's) event.
            ("application/cloudevents+json", .json(["specversion": "1.0", "id": "inner", "source": "/x", "type": "t.t.t", "tenantid": "globex"])),
        ]
        var events: [CloudEvent] = []
        var counter = 0
        for mask in 0..<16 {
            for (contentType, data) in datas {
                counter += 1
                var event = CloudEvent(
                    id: "evt-\(counter)", source: "https://keel.dev/%C3%BCn%C3%AF/\(counter)", type: "com.example.thing.happened",
                    datacontenttype: contentType, data: data)
                if mask & 1 != 0 { event.subject = "subject with spaces and ünïcode" }
                if mask & 2 != 0 { event.time = time }
                if mask & 4 != 0 { event.dataschema = "https://schemas.example.com/thing.json" }
                if mask & 8 != 0 {
                    event.partitionkey = "key-\(counter)-ключ"
                    event.tenantid = "acme"
                    event.traceparent = CloudEventValidationTests.traceparent
                    event.tracestate = "rojo=00f067aa0ba902b7"
                    event.dataversion = 2
                    event.correlationid = "corr"
                    event.causationid = "cause"
                    event.extensions["custom"] = "value"
                }
                events.append(event)
            }
        }
        return events
    }

    @Test func binaryModeRoundTrips() throws {
        for event in Self.allEvents() {
            let (key, value, headers) = KafkaBinding.encode(event)
            let decoded = try KafkaBinding.decode(key: key, value: value, headers: headers)
            #expect(decoded == event, "\(event.id)")
        }
    }

    @Test func structuredModeRoundTrips() throws {
        for event in Self.allEvents()
        where !(event.datacontenttype == nil && { if case .text = event.data { true } else { false } }())
            && event.datacontenttype?.hasPrefix("application/cloudevents") != true
        {
            let (key, value, headers) = KafkaBinding.encodeStructured(event)
            #expect(key == event.partitionkey.map { Array($0.utf8) })
            let decoded = try KafkaBinding.decode(key: key, value: value, headers: headers)
            #expect(decoded == event, "\(event.id)")
        }
    }

    @Test func binaryModeLayout() throws {
        var event = CloudEvent(
            id: "1", source: "/s", type: "t", datacontenttype: "application/json", time: Self.time, data: .json(["b": 1, "a": 2]))
        event.partitionkey = "run-01"
        let (key, value, headers) = KafkaBinding.encode(event)
        #expect(key == Array("run-01".utf8))
        #expect(value == Array(#"{"a":2,"b":1}"#.utf8))
        let byName = Dictionary(uniqueKeysWithValues: headers.map { ($0.name, $0.text ?? "") })
        #expect(byName["ce_id"] == "1")
        #expect(byName["ce_specversion"] == "1.0")
        #expect(byName["ce_time"] == "2026-11-21T07:10:45.123Z")
        // The binding says the key mapper must not modify the event: partitionkey stays a header.
        #expect(byName["ce_partitionkey"] == "run-01")
        #expect(byName["content-type"] == "application/json")
        #expect(byName["ce_datacontenttype"] == nil)
        #expect(KafkaBinding.encode(CloudEvent(id: "1", source: "/s", type: "t")).value == nil)
        #expect(KafkaBinding.encode(CloudEvent(id: "1", source: "/s", type: "t")).key == nil)
    }

    @Test func decodesForeignBinaryRecords() throws {
        let headers = [
            RecordHeader(name: "CE_ID", text: "x"), RecordHeader(name: "ce_source", text: "/s"),
            RecordHeader(name: "ce_type", text: "t"), RecordHeader(name: "ce_specversion", text: "1.0"),
            RecordHeader(name: "Content-Type", text: "application/json"), RecordHeader(name: "traceid", text: "ignored"),
        ]
        let event = try KafkaBinding.decode(key: Array("k".utf8), value: Array("not json".utf8), headers: headers)
        #expect(event.id == "x")
        #expect(event.data == .binary(Array("not json".utf8)))
        #expect(event.partitionkey == nil)  // the record key never invents an attribute
        #expect(event.extensions.isEmpty)
        let text = try KafkaBinding.decode(
            key: nil, value: [0xFF], headers: Array(headers.dropLast(2)) + [RecordHeader(name: "content-type", text: "text/plain")])
        #expect(text.data == .binary([0xFF]))
    }

    @Test func decodesStructuredRecords() throws {
        let value = Array(#"{"specversion":"1.0","id":"9","source":"/s","type":"t","data":{"a":1}}"#.utf8)
        let event = try KafkaBinding.decode(
            key: nil, value: value, headers: [RecordHeader(name: "content-type", text: "Application/CloudEvents+JSON; charset=UTF-8")])
        #expect(event.id == "9")
        #expect(event.data == .json(["a": 1]))
    }

    @Test func aBinaryRecordTypedAsStructuredKeepsItsStampedTenant() throws {
        var event = CloudEvent(id: "outer", source: "/evil", type: "com.example.order.placed", datacontenttype: "application/cloudevents+json")
        event.tenantid = "acme"
        event.data = .json(["specversion": "1.0", "id": "victim", "source": "/shop", "type": "com.example.order.placed", "tenantid": "globex"])
        let record = KafkaBinding.encode(event)
        let plain = try KafkaBinding.decode(key: record.key, value: record.value, headers: record.headers)
        let stamped = try KafkaBinding.decodeStamped(key: record.key, value: record.value, headers: record.headers)
        for decoded in [plain, stamped] {
            #expect(decoded.id == "outer")
            #expect(decoded.tenantid == "acme")
        }
        #expect(KafkaBinding.stampedTenant(in: record.headers) == "acme")
        // A structured record (no ce_ headers) carries no stamp and is read as the event it holds.
        let structured = KafkaBinding.encodeStructured(event)
        #expect(KafkaBinding.stampedTenant(in: structured.headers) == nil)
        #expect(try KafkaBinding.decodeStamped(key: structured.key, value: structured.value, headers: structured.headers).tenantid == "acme")
    }

    private func decodeError(value: [UInt8]? = nil, _ headers: [(String, String?)]) -> EventValidationError? {
        do {
            _ = try KafkaBinding.decode(
                key: nil, value: value, headers: headers.map { RecordHeader(name: $0.0, value: $0.1.map { Array($0.utf8) }) })
            return nil
        } catch {
            return error
        }
    }

    @Test func rejectsBadRecords() {
        let required: [(String, String?)] = [("ce_id", "1"), ("ce_source", "/s"), ("ce_type", "t"), ("ce_specversion", "1.0")]
        #expect(decodeError(required) == nil)
        #expect(decodeError(Array(required.dropFirst()))?.field == "id")
        #expect(decodeError(Array(required.dropLast()))?.field == "specversion")
        #expect(decodeError(required + [("ce_id", "2")])?.field == "id")
        #expect(decodeError(required + [("ce_subject", nil)])?.field == "subject")
        #expect(decodeError(required + [("ce_time", "yesterday")])?.field == "time")
        #expect(decodeError(required + [("ce_tenantid", "NOPE")])?.field == "tenantid")
        #expect(decodeError(required + [("ce_datacontenttype", "text/plain")])?.field == "datacontenttype")
        #expect(decodeError([("ce_specversion", "0.3"), ("ce_id", "1"), ("ce_source", "/s"), ("ce_type", "t")])?.field == "specversion")
        #expect(decodeError([("content-type", "application/cloudevents+avro")])?.field == "datacontenttype")
        #expect(decodeError([("content-type", "application/cloudevents+json")])?.field == "event")
        #expect(decodeError(value: Array("{".utf8), [("content-type", "application/cloudevents+json")])?.field == "event")
    }
}
