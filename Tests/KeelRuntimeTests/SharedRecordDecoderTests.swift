import KeelCore
import KeelLog
import Testing

@testable import KeelRuntime

@Suite("Shared record decoder")
struct SharedRecordDecoderTests {
    func record(_ offset: Int64, tenant: String = "t1") -> ConsumedRecord {
        var event = CloudEvent(id: "e\(offset)", source: "test", type: "com.acme.thing.done", json: ["n": .int(offset)])
        event.tenantid = tenant
        let encoded = KafkaBinding.encode(event)
        return ConsumedRecord(
            topic: "keel.external", partition: 0, offset: offset, timestampMs: 0, key: encoded.key, value: encoded.value, headers: encoded.headers)
    }

    @Test("a record is decoded once for every projector that reads it; the oldest entries are forgotten first")
    func decodesOnce() throws {
        let decoder = SharedRecordDecoder(capacity: 2)
        let first = try decoder.decode(record(0)).get()
        #expect(try decoder.decode(record(0)).get() == first)
        #expect(decoder.hitCount == 1)
        _ = decoder.decode(record(1))
        _ = decoder.decode(record(2))
        // Record 0 was evicted: decoding it again is a miss, and still right.
        #expect(try decoder.decode(record(0)).get().id == "e0")
        #expect(decoder.hitCount == 1)
        #expect(try decoder.decode(record(2)).get().id == "e2")
        #expect(decoder.hitCount == 2)
    }

    @Test("a record that is not an event is a decode verdict, shared too")
    func failuresAreShared() {
        let decoder = SharedRecordDecoder()
        let junk = ConsumedRecord(topic: "keel.external", partition: 1, offset: 9, timestampMs: 0, key: nil, value: [0x7B], headers: [])
        for _ in 0..<2 {
            guard case .failure(let error) = decoder.decode(junk) else {
                Issue.record("junk decoded")
                return
            }
            #expect(error.code == "decode")
        }
        #expect(decoder.hitCount == 1)
    }
}
