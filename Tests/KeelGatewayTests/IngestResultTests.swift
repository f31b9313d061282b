import KeelCore
import KeelLog
import Testing

@testable import KeelGateway

@Suite("IngestResult JSON")
struct IngestResultTests {
    @Test func theDirectFormIsByteForByteTheSerializedObject() {
        let results = [
            IngestResult(
                id: "e-1", source: "/orders", type: "com.example.order.placed",
                coordinates: RecordCoordinates(topic: "keel.external", partition: 3, offset: 42, timestampMs: 1), duplicate: false),
            IngestResult(
                id: #"quote " back \ "# + "tab\tnl\n\u{1}", source: "urn:é😀", type: "t",
                coordinates: RecordCoordinates(topic: "t.x", partition: 0, offset: Int64.max, timestampMs: 0), duplicate: true),
        ]
        for result in results {
            var direct: [UInt8] = []
            result.appendJSON(to: &direct)
            #expect(direct == result.json.serialized())
            #expect((try? JSONValue.parse(direct)) == result.json)
        }
    }
}
