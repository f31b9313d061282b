import Foundation
import KeelCore
import KeelLog
import KeelTestSupport
import Testing

/// Producing: ordering, batches, byte-exact round trips, concurrency. Same suite for every log.
@Suite("EventLog conformance: produce")
struct ProduceConformanceTests {
    @Test("records with one key keep their order in one partition (murmur2)", arguments: LogUnderTest.allCases)
    func perKeyOrdering(kind: LogUnderTest) async throws {
        try await withLog(kind) { log in
            let topic = try await makeTopic(log, partitions: 4)
            let keys = ["alpha", "beta", "gamma", "delta", "epsilon"]
            var produced: [RecordCoordinates] = []
            for round in 0..<4 {
                let batch = (0..<50).flatMap { i in
                    keys.map { OutgoingRecord(key: bytes($0), value: bytes("\($0)-\(round * 50 + i)")) }
                }
                produced += try await log.produce(batch, to: topic)
            }
            #expect(produced.count == 1000)
            let records = try await readRecords(log, topic: topic, partitions: 4, count: 1000)
            #expect(records.count == 1000)
            for key in keys {
                let ofKey = records.filter { $0.key == bytes(key) }
                let expectedPartition = KafkaPartitioner.partition(forKey: bytes(key), partitions: 4)
                #expect(ofKey.allSatisfy { $0.partition == expectedPartition }, "key \(key) must live in partition \(expectedPartition)")
                #expect(ofKey.map(\.value) == (0..<200).map { bytes("\(key)-\($0)") }, "key \(key) out of order")
                let offsets = ofKey.map(\.offset)
                #expect(offsets == offsets.sorted())
            }
        }
    }

    @Test("a batch is acknowledged with dense, unique coordinates in input order", arguments: LogUnderTest.allCases)
    func batchCoordinates(kind: LogUnderTest) async throws {
        try await withLog(kind) { log in
            let topic = try await makeTopic(log, partitions: 1)
            let first = try await log.produce((0..<300).map { OutgoingRecord(key: nil, value: bytes("v\($0)"), partition: 0) }, to: topic)
            let second = try await log.produce((0..<200).map { OutgoingRecord(key: nil, value: bytes("w\($0)"), partition: 0) }, to: topic)
            #expect((first + second).map(\.offset) == Array(0..<500))
            #expect((first + second).allSatisfy { $0.topic == topic && $0.partition == 0 })
            let records = try await readRecords(log, topic: topic, partitions: 1, count: 500)
            #expect(records.map(\.offset) == Array(0..<500))
            #expect(records[299].value == bytes("v299"))
            #expect(records[300].value == bytes("w0"))
        }
    }

    @Test("keys, values and headers round-trip byte-exact", arguments: LogUnderTest.allCases)
    func byteExactRoundTrip(kind: LogUnderTest) async throws {
        try await withLog(kind) { log in
            // Kafka refuses records over 1 MiB unless the topic allows them.
            let topic = try await makeTopic(log, partitions: 1, config: ["max.message.bytes": "10485760"])
            let allBytes = (0...255).map { UInt8($0) }
            let big = (0..<(5 * 1024 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            let headers = [
                RecordHeader(name: "ce_type", text: "keel.test"),
                RecordHeader(name: "nil-value", value: nil),
                RecordHeader(name: "empty-value", value: []),
                RecordHeader(name: "binary", value: allBytes),
                RecordHeader(name: "binary", value: [0, 0, 1]),  // duplicate names keep their order
                RecordHeader(name: "unicodé-名前", text: "värde ✓ 🚀"),
            ]
            let outgoing = [
                OutgoingRecord(key: nil, value: bytes("no key"), partition: 0),
                OutgoingRecord(key: [], value: bytes("empty key"), partition: 0),
                OutgoingRecord(key: bytes("ключ-🔑"), value: allBytes, headers: headers, partition: 0),
                OutgoingRecord(key: allBytes, value: nil, partition: 0),
                OutgoingRecord(key: bytes("empty-value"), value: [], partition: 0),
                OutgoingRecord(key: bytes("big"), value: big, headers: [RecordHeader(name: "size", text: "5MiB")], partition: 0),
            ]
            var coordinates: [RecordCoordinates] = []
            for record in outgoing {  // one at a time: the 5 MiB record must not share a request
                coordinates.append(try await log.produce(record, to: topic))
            }
            let records = try await readRecords(log, topic: topic, partitions: 1, count: outgoing.count)
            try #require(records.count == outgoing.count)
            for (sent, received) in zip(outgoing, records) {
                #expect(received.key == sent.key)
                #expect(received.value == sent.value)
                #expect(received.headers == sent.headers)
            }
            #expect(records.map(\.offset) == coordinates.map(\.offset))
        }
    }

    @Test("explicit timestamps are kept and the log stamps the rest", arguments: LogUnderTest.allCases)
    func timestamps(kind: LogUnderTest) async throws {
        try await withLog(kind) { log in
            let topic = try await makeTopic(log, partitions: 1)
            let before = Int64(Date().timeIntervalSince1970 * 1000)
            let stamped = try await log.produce(OutgoingRecord(key: nil, value: bytes("a"), timestampMs: 1_700_000_000_123, partition: 0), to: topic)
            let auto = try await log.produce(OutgoingRecord(key: nil, value: bytes("b"), partition: 0), to: topic)
            let after = Int64(Date().timeIntervalSince1970 * 1000)
            let records = try await readRecords(log, topic: topic, partitions: 1, count: 2)
            try #require(records.count == 2)
            #expect(records[0].timestampMs == 1_700_000_000_123)
            #expect(stamped.timestampMs == 1_700_000_000_123)
            #expect((before - 5000)...(after + 5000) ~= records[1].timestampMs)
            #expect(auto.offset == 1)
        }
    }

    @Test("concurrent producers lose and duplicate nothing", arguments: LogUnderTest.allCases)
    func concurrentProducers(kind: LogUnderTest) async throws {
        try await withLog(kind) { log in
            let topic = try await makeTopic(log, partitions: 3)
            let coordinates = try await withThrowingTaskGroup(of: [RecordCoordinates].self) { group in
                for producer in 0..<4 {
                    group.addTask {
                        var mine: [RecordCoordinates] = []
                        for i in 0..<50 {  // single-record and small-batch calls interleave across tasks
                            if i % 2 == 0 {
                                mine.append(
                                    try await log.produce(OutgoingRecord(key: bytes("p\(producer)"), value: bytes("p\(producer)-\(i)")), to: topic))
                            } else {
                                mine += try await log.produce(
                                    (0..<4).map { j in
                                        OutgoingRecord(key: bytes("p\(producer)"), value: bytes("p\(producer)-\(i)-\(j)"))
                                    }, to: topic)
                            }
                        }
                        return mine
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(coordinates.count == 4 * (25 + 25 * 4))
            #expect(Set(coordinates.map { "\($0.partition):\($0.offset)" }).count == coordinates.count)
            let records = try await readRecords(log, topic: topic, partitions: 3, count: coordinates.count)
            #expect(records.count == coordinates.count)
            #expect(Set(records.compactMap(\.value)).count == coordinates.count)
        }
    }

    @Test("producing to a missing topic fails and creates nothing", arguments: LogUnderTest.allCases)
    func unknownTopic(kind: LogUnderTest) async throws {
        try await withLog(kind) { log in
            let missing = uniqueName("keel.missing")
            var code: EventLogError.Code?
            do {
                _ = try await log.produce(OutgoingRecord(key: nil, value: bytes("x")), to: missing)
            } catch {
                code = (error as? EventLogError)?.code ?? (error as? ProduceFailure)?.failures.values.first?.code
            }
            #expect(code == .unknownTopic)
            let described = try await log.describeTopic(missing)
            #expect(described == nil)
            let topics = try await log.listTopics()
            #expect(!topics.contains(missing))
        }
    }

    @Test("an explicit partition that does not exist is refused", arguments: LogUnderTest.allCases)
    func unknownPartition(kind: LogUnderTest) async throws {
        try await withLog(kind) { log in
            let topic = try await makeTopic(log, partitions: 2)
            await #expect(throws: (any Error).self) {
                _ = try await log.produce(OutgoingRecord(key: nil, value: bytes("x"), partition: 7), to: topic)
            }
        }
    }
}
