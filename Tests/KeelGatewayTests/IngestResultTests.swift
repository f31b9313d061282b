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
        for batch in [results, [], [results[0]]] {
            var direct: [UInt8] = []
            IngestResult.appendBatchJSON(batch, to: &direct)
            let object = JSONValue.object([
                "accepted": .int(Int64(batch.filter { !$0.duplicate }.count)), "duplicates": .int(Int64(batch.filter(\.duplicate).count)),
                "events": .array(batch.map(\.json)),
            ])
            #expect(direct == object.serialized())
        }
    }
}
