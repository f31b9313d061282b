import Foundation
import Testing

@testable import KeelCore

@Suite struct CloudEventValidationTests {
    static let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    static func valid() -> CloudEvent {
        CloudEvent(
            id: "evt-1", source: "/keel/tests", type: "com.example.thing.happened", datacontenttype: "application/json",
            dataschema: "https://schemas.example.com/thing/v1.json", subject: "thing-1",
            time: Date(timeIntervalSince1970: 1_795_245_045.123), data: .json(["a": 1]),
            extensions: ["tenantid": "acme", "partitionkey": "thing-1", "traceparent": traceparent, "dataversion": "1"])
    }

    private func field(_ mutate: (inout CloudEvent) -> Void) -> String? {
        var event = Self.valid()
        mutate(&event)
        do {
            try event.validate()
            return nil
        } catch {
            return error.field
        }
    }

    @Test func validEventPasses() throws {
        try Self.valid().validate()
        try CloudEvent(id: "1", source: "urn:x", type: "t").validate()
    }

    @Test func aUUIDv7IdIsLowercaseAndTimeOrdered() {
        // The core has no id default (it reads no clock and no randomness); Keel's events take a lowercase UUIDv7.
        var rng = SeededGenerator(seed: 7)
        let event = CloudEvent(
            id: UUIDv7.generate(now: Date(timeIntervalSince1970: 1_800_000_000), using: &rng).lowercasedString, source: "/s", type: "t")
        #expect(event.id == event.id.lowercased())
        let uuid = UUID(uuidString: event.id)
        #expect(uuid != nil)
        #expect(uuid.flatMap(UUIDv7.milliseconds(of:)) != nil)
        #expect(event.specversion == "1.0")
    }

    @Test func eachRuleNamesItsField() {
        #expect(field { $0.id = "" } == "id")
        #expect(field { $0.source = "" } == "source")
        #expect(field { $0.source = "not a uri" } == "source")
        #expect(field { $0.source = "1http://x" } == "source")
        #expect(field { $0.source = "a:b:c%zz" } == "source")
        #expect(field { $0.source = "http://[::1" } == "source")
        #expect(field { $0.source = "x#a#b" } == "source")
        #expect(field { $0.specversion = "0.3" } == "specversion")
        #expect(field { $0.type = "" } == "type")
        #expect(field { $0.datacontenttype = "json" } == "datacontenttype")
        #expect(field { $0.datacontenttype = "application/json; charset" } == "datacontenttype")
        #expect(field { $0.datacontenttype = "text/plain; charset=\"utf-8" } == "datacontenttype")
        #expect(field { $0.dataschema = "/relative/schema" } == "dataschema")
        #expect(field { $0.dataschema = "" } == "dataschema")
        #expect(field { $0.subject = "" } == "subject")
        #expect(field { $0.extensions["Bad"] = "x" } == "Bad")
        #expect(field { $0.extensions["with_underscore"] = "x" } == "with_underscore")
        #expect(field { $0.extensions["abcdefghijklmnopqrstu"] = "x" } == "abcdefghijklmnopqrstu")
        #expect(field { $0.extensions[""] = "x" } == "")
        #expect(field { $0.extensions["subject"] = "x" } == "subject")
        #expect(field { $0.extensions["data"] = "x" } == "data")
        #expect(field { $0.traceparent = "00-abc-def-01" } == "traceparent")
        #expect(field { $0.traceparent = "00-00000000000000000000000000000000-00f067aa0ba902b7-01" } == "traceparent")
        #expect(field { $0.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01" } == "traceparent")
        #expect(field { $0.traceparent = "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01" } == "traceparent")
        #expect(field { $0.traceparent = "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" } == "traceparent")
        #expect(field { $0.extensions["dataversion"] = "0" } == "dataversion")
        #expect(field { $0.extensions["dataversion"] = "-1" } == "dataversion")
        #expect(field { $0.extensions["dataversion"] = "01" } == "dataversion")
        #expect(field { $0.extensions["dataversion"] = "one" } == "dataversion")
        #expect(field { $0.partitionkey = "" } == "partitionkey")
        #expect(field { $0.tenantid = "Acme" } == "tenantid")
        #expect(field { $0.tenantid = "-acme" } == "tenantid")
        #expect(field { $0.tenantid = String(repeating: "a", count: 64) } == "tenantid")
        #expect(field { $0.tenantid = "" } == "tenantid")
    }

    @Test func acceptsValidVariants() {
        #expect(field { $0.source = "https://example.com/a/b?x=1#frag" } == nil)
        #expect(field { $0.source = "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66" } == nil)
        #expect(field { $0.source = "//host:8080/path" } == nil)
        #expect(field { $0.source = "http://[::1]:80/x" } == nil)
        #expect(field { $0.source = "relative/path%20x" } == nil)
        #expect(field { $0.datacontenttype = "text/plain; charset=\"utf-8\"" } == nil)
        #expect(field { $0.datacontenttype = "application/vnd.keel+json;charset=utf-8" } == nil)
        #expect(field { $0.tenantid = "a" } == nil)
        #expect(field { $0.tenantid = "acme-2" + String(repeating: "x", count: 57) } == nil)
        #expect(field { $0.extensions["abcdefghijklmnopqrst"] = "x" } == nil)
        #expect(field { $0.dataversion = 12 } == nil)
    }

    @Test func errorDescription() {
        var event = Self.valid()
        event.source = ""
        #expect(throws: EventValidationError(field: "source", reason: "must be a non-empty URI-reference")) {
            try event.validate()
        }
        #expect(EventValidationError(field: "data/amount", reason: "must be >= 0").description == "data/amount: must be >= 0")
        event = Self.valid()
        event.specversion = "2.0"
        do {
            try event.validate()
            Issue.record("accepted specversion 2.0")
        } catch {
            #expect(error.reason.contains("1.0"))
        }
    }

    @Test func typedAccessors() {
        var event = CloudEvent(id: "1", source: "/s", type: "t")
        event.tenantid = "acme"
        event.partitionkey = "k"
        event.correlationid = "c"
        event.causationid = "d"
        event.traceparent = Self.traceparent
        event.tracestate = "rojo=00f067aa0ba902b7"
        event.dataversion = 2
        #expect(
            event.extensions == [
                "tenantid": "acme", "partitionkey": "k", "correlationid": "c", "causationid": "d", "traceparent": Self.traceparent,
                "tracestate": "rojo=00f067aa0ba902b7", "dataversion": "2",
            ])
        #expect(event.dataversion == 2)
        event.dataversion = nil
        event.tenantid = nil
        #expect(event.extensions["dataversion"] == nil)
        #expect(event.tenantid == nil)
        event.time = Date(timeIntervalSince1970: 1.5)
        #expect(event.timeMs == 1500)
    }
}

@Suite struct RFC3339Tests {
    @Test func formatsUTCWithMilliseconds() {
        #expect(RFC3339.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(RFC3339.format(milliseconds: 1_795_245_045_123) == "2026-11-21T07:10:45.123Z")
        #expect(RFC3339.format(milliseconds: -1) == "1969-12-31T23:59:59.999Z")
        #expect(RFC3339.format(milliseconds: 951_782_400_000) == "2000-02-29T00:00:00.000Z")
    }

    @Test func wholeMillisecondsSurviveTheDoubleRoundTrip() {
        // Before 1970 a whole millisecond is a hair below itself as a Double; it must not floor to the one before.
        #expect(RFC3339.parse("1969-12-31T23:59:59.999Z").map(RFC3339.milliseconds(of:)) == -1)
        for milliseconds: Int64 in [-1, -999, -86_400_001, 1, 1_795_245_045_123] {
            let text = RFC3339.format(milliseconds: milliseconds)
            #expect(RFC3339.parse(text).map(RFC3339.milliseconds(of:)) == milliseconds, "\(text)")
        }
        // A fraction below the millisecond is still cut off, never rounded up.
        #expect(RFC3339.parse("2026-11-21T07:10:45.1239Z").map(RFC3339.milliseconds(of:)) == 1_795_245_045_123)
    }

    @Test func parsesOffsetsAndFractions() {
        #expect(RFC3339.parse("2026-11-21T07:10:45.123Z").map(RFC3339.milliseconds(of:)) == 1_795_245_045_123)
        #expect(RFC3339.parse("2026-11-21T08:10:45.123+01:00").map(RFC3339.milliseconds(of:)) == 1_795_245_045_123)
        #expect(RFC3339.parse("2026-11-21t02:40:45.123-04:30").map(RFC3339.milliseconds(of:)) == 1_795_245_045_123)
        #expect(RFC3339.parse("2026-11-21T07:10:45Z").map(RFC3339.milliseconds(of:)) == 1_795_245_045_000)
        #expect(RFC3339.parse("2026-11-21T07:10:45.1z").map(RFC3339.milliseconds(of:)) == 1_795_245_045_100)
        #expect(RFC3339.parse("2026-11-21T07:10:45.123456789Z").map(RFC3339.milliseconds(of:)) == 1_795_245_045_123)
        #expect(RFC3339.parse("2024-02-29T00:00:00Z") != nil)
        let date = Date(timeIntervalSince1970: 1_795_245_045.123)
        #expect(RFC3339.parse(RFC3339.format(date)) == RFC3339.parse("2026-11-21T07:10:45.123Z"))
    }

    @Test(arguments: [
        "", "2026-11-21", "2026-11-21T07:10:45", "2026-11-21 07:10:45Z", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
        "2026-04-31T00:00:00Z", "2026-11-21T24:00:00Z", "2026-11-21T07:60:00Z", "2026-11-21T07:10:60Z",
        "2026-11-21T07:10:45.Z", "2026-11-21T07:10:45+0100", "2026-11-21T07:10:45Z ", "26-11-21T07:10:45Z",
        "2026-11-21T07:10:45+25:00", "yesterday",
    ])
    func rejectsGarbage(text: String) {
        #expect(RFC3339.parse(text) == nil)
    }
}

@Suite struct StructuredFormatTests {
    @Test func roundTripsEveryAttribute() throws {
        let event = CloudEventValidationTests.valid()
        let json = event.structured()
        #expect(json["time"] == .string("2026-11-21T07:10:45.123Z"))
        #expect(json["dataversion"] == .int(1))
        #expect(json["tenantid"] == .string("acme"))
        #expect(try CloudEvent(structured: json) == event)
        #expect(try CloudEvent(structured: JSONValue.parse(json.serialized())) == event)
    }

    @Test func roundTripsDataKinds() throws {
        let cases: [CloudEvent] = [
            CloudEvent(id: "1", source: "/s", type: "t"),
            CloudEvent(id: "2", source: "/s", type: "t", data: .json(.string("just a string"))),
            CloudEvent(id: "3", source: "/s", type: "t", data: .json(.null)),
            CloudEvent(id: "4", source: "/s", type: "t", datacontenttype: "text/plain", data: .text("héllo 😀\n")),
            CloudEvent(id: "5", source: "/s", type: "t", datacontenttype: "application/octet-stream", data: .binary([0, 1, 2, 255])),
            CloudEvent(id: "6", source: "/s", type: "t", data: .binary([])),
            CloudEvent(id: "7", source: "/s", type: "t", datacontenttype: "application/cloudevents+json", data: .json(["x": [1.5]])),
        ]
        for event in cases {
            #expect(try CloudEvent(structured: event.structured()) == event, "\(event.id)")
        }
        #expect(cases[4].structured()["data_base64"] == .string("AAEC/w=="))
    }

    @Test func convertsExtensionValuesToCanonicalStrings() throws {
        let json = try JSONValue.parse(
            #"{"specversion":"1.0","id":"1","source":"/s","type":"t","flag":true,"count":42,"whole":3.0,"gone":null,"dataversion":2}"#)
        let event = try CloudEvent(structured: json)
        #expect(event.extensions == ["flag": "true", "count": "42", "whole": "3", "dataversion": "2"])
        #expect(event.dataversion == 2)
    }

    private func error(_ text: String) -> EventValidationError? {
        do {
            _ = try CloudEvent(structured: JSONValue.parse(text))
            return nil
        } catch let error as EventValidationError {
            return error
        } catch {
            return EventValidationError(field: "json", reason: "\(error)")
        }
    }

    @Test func rejectsMalformedEvents() {
        let base = #""specversion":"1.0","id":"1","source":"/s","type":"t""#
        #expect(error("[]")?.field == "event")
        #expect(error(#"{"id":"1","source":"/s","type":"t"}"#)?.field == "specversion")
        #expect(error(#"{"specversion":"1.0","source":"/s","type":"t"}"#)?.field == "id")
        #expect(error(#"{"specversion":"1.0","id":"1","type":"t"}"#)?.field == "source")
        #expect(error(#"{"specversion":"1.0","id":"1","source":"/s"}"#)?.field == "type")
        #expect(error(#"{"specversion":"0.3","id":"1","source":"/s","type":"t"}"#)?.field == "specversion")
        #expect(error("{\(base),\"id\":1}") != nil)  // duplicate key: rejected by the parser
        #expect(error(#"{"specversion":"1.0","id":7,"source":"/s","type":"t"}"#)?.field == "id")
        #expect(error("{\(base),\"time\":\"noon\"}")?.field == "time")
        #expect(error("{\(base),\"time\":12}")?.field == "time")
        #expect(error("{\(base),\"data\":1,\"data_base64\":\"AA==\"}")?.field == "data")
        #expect(error("{\(base),\"data_base64\":\"!!\"}")?.field == "data_base64")
        #expect(error("{\(base),\"ext\":{\"a\":1}}")?.field == "ext")
        #expect(error("{\(base),\"ext\":[1]}")?.field == "ext")
        #expect(error("{\(base),\"ext\":1.5}")?.field == "ext")
        #expect(error("{\(base),\"Bad\":\"x\"}")?.field == "Bad")
        #expect(error("{\(base),\"subject\":\"\"}")?.field == "subject")
        #expect(error("{\(base),\"tenantid\":\"ACME\"}")?.field == "tenantid")
    }

    @Test func textDataNeedsANonJSONContentType() throws {
        let json = try JSONValue.parse(#"{"specversion":"1.0","id":"1","source":"/s","type":"t","datacontenttype":"text/csv","data":"a,b"}"#)
        #expect(try CloudEvent(structured: json).data == .text("a,b"))
        let jsonString = try JSONValue.parse(#"{"specversion":"1.0","id":"1","source":"/s","type":"t","data":"a,b"}"#)
        #expect(try CloudEvent(structured: jsonString).data == .json(.string("a,b")))
    }
}

@Suite struct UUIDv7Tests {
    @Test func versionVariantAndTimestamp() {
        let now = Date(timeIntervalSince1970: 2_000_000_000.123)
        var rng = SeededGenerator(seed: 1)
        let uuid = UUIDv7Generator().next(now: now, using: &rng)
        let bytes = uuid.uuid
        #expect(bytes.6 >> 4 == 7)
        #expect(bytes.8 >> 6 == 0b10)
        #expect(UUIDv7.milliseconds(of: uuid) == 2_000_000_000_123)
        #expect(UUIDv7.milliseconds(of: UUID(uuidString: "6e8bc430-9c3a-11d9-9669-0800200c9a66")!) == nil)
        #expect(uuid.uuidString.lowercased().dropFirst(14).first == "7")
    }

    @Test func lowercasedStringIsTheCanonicalFormInLowercase() {
        let generator = UUIDv7Generator()
        var rng = SeededGenerator(seed: 2)
        let start: UInt64 = 1_800_000_000_000
        // A new millisecond every other id, so both the random seeding and the counter are sampled.
        var samples = (0..<200).map { index in generator.next(milliseconds: start + UInt64(index / 2), using: &rng) }
        samples += [UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)), UUID(uuidString: "FFFFFFFF-FFFF-7FFF-BFFF-FFFFFFFFFFFF")!]
        samples.append(UUID(uuidString: "0123ABCD-89EF-4A5B-9C0D-E1F2A3B4C5D6")!)
        for uuid in samples {
            #expect(uuid.lowercasedString == uuid.uuidString.lowercased())
        }
    }

    @Test func strictlyIncreasingWithinAMillisecondAndAcrossClockSteps() {
        let generator = UUIDv7Generator()
        var rng = SeededGenerator(seed: 3)
        let fixed = Date(timeIntervalSince1970: 1_900_000_000)
        var previous = generator.next(now: fixed, using: &rng).uuidString
        for index in 0..<5000 {
            // Same millisecond, then a clock that steps back: order must still hold.
            let now = index == 2500 ? fixed.addingTimeInterval(-10) : fixed
            let next = generator.next(now: now, using: &rng).uuidString
            #expect(next > previous)
            previous = next
        }
        let later = generator.next(now: fixed.addingTimeInterval(1), using: &rng).uuidString
        #expect(later > previous)
    }

    @Test func uniqueAcrossConcurrentCallers() async {
        let ids = await withTaskGroup(of: [UUID].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var rng = SystemRandomNumberGenerator()
                    return (0..<1000).map { _ in UUIDv7.generate(now: Date(), using: &rng) }
                }
            }
            var all: [UUID] = []
            for await chunk in group { all += chunk }
            return all
        }
        #expect(Set(ids).count == 8000)
    }
}

@Suite struct Murmur2Tests {
    @Test(arguments: [
        ("21", Int32(-973_932_308)),
        ("foobar", -790_332_482),
        ("a-little-bit-long-string", -985_981_536),
        ("a-little-bit-longer-string", -1_486_304_829),
        ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58_897_971),
        ("abc", 479_470_107),
    ])
    func matchesJavaClient(key: String, expected: Int32) {
        #expect(KafkaPartitioner.murmur2(Array(key.utf8)) == expected)
    }

    @Test func partitionIsPositiveModulo() {
        // Java: toPositive(-973932308) % 12 = (-973932308 & 0x7fffffff) % 12
        #expect(KafkaPartitioner.partition(forKey: Array("21".utf8), partitions: 12) == Int32((-973_932_308 & 0x7fff_ffff) % 12))
        for key in ["a", "b", "run-01", ""] {
            let partition = KafkaPartitioner.partition(forKey: Array(key.utf8), partitions: 7)
            #expect((0..<7).contains(partition))
        }
    }
}

@Suite struct RecordHeaderTests {
    @Test func textAndNilValues() {
        #expect(RecordHeader(name: "a", text: "é").value == [0xC3, 0xA9])
        #expect(RecordHeader(name: "a", text: "é").text == "é")
        #expect(RecordHeader(name: "a", value: nil).text == nil)
        #expect(RecordHeader(name: "a", value: [0xFF]).text == nil)
        #expect(RecordHeader(name: "a", value: []) != RecordHeader(name: "a", value: nil))
    }
}
