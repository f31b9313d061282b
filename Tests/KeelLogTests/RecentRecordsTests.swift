import Foundation
import KeelCore
import KeelLog
import KeelLogEmbedded
import KeelTestSupport
import Testing

/// The writer process serves consumers at the head of the log from memory. What they read must
/// be exactly what the database holds: compared here with a read-only instance (no memory).
@Suite("Embedded log: recent records in memory")
struct RecentRecordsTests {
    /// Records of every shape, one larger than what memory keeps, more than a window holds.
    static func mixedRecords(_ count: Int, start: Int = 0) -> [OutgoingRecord] {
        (start..<(start + count)).map { index in
            let key: [UInt8]? = index % 7 == 0 ? nil : (index % 11 == 0 ? [] : bytes("k\(index % 5)"))
            let value: [UInt8]? = index % 13 == 0 ? nil : (index == start + 17 ? [UInt8](repeating: 7, count: 100_000) : bytes("v\(index)"))
            let headers: [RecordHeader] =
                index % 3 == 0
                ? [] : [RecordHeader(name: "h\(index % 2)", value: index % 4 == 0 ? nil : bytes("x")), RecordHeader(name: "é", value: [])]
            return OutgoingRecord(key: key, value: value, headers: headers, timestampMs: 1_790_000_000_000 + Int64(index))
        }
    }

    @Test("consumers read the same records from memory as from the database, across evictions and a large record")
    func memoryEqualsDatabase() async throws {
        let options = EmbeddedLogOptions(recentRecordsPerPartition: 16, recentBytesPerPartition: 2048)
        try await withEmbeddedLog(options: options) { log, directory in
            _ = try await log.createTopic(TopicSpec(name: "t", partitions: 3))
            // A consumer at the head before anything is written: it reads as records arrive.
            let live = try await log.makeConsumer(.init(subscription: .partitions((0..<3).map { TopicPartition("t", $0) }), start: .latest))
            guard case .assigned? = try await live.poll(timeout: .seconds(5)) else {
                Issue.record("the consumer was never assigned its partitions")
                return
            }
            // Each round is read as soon as it is written, as a live projector does.
            var produced = 0
            var fromHead: [ConsumedRecord] = []
            for round in 0..<6 {
                let batch = Self.mixedRecords(20 + round * 5, start: produced)
                _ = try await log.produce(batch, to: "t")
                produced += batch.count
                fromHead += try await collect(from: live, count: batch.count)
            }
            try await live.close()
            let fromStart = try await readAll(log, "t", partitions: 3, count: produced)

            let reader = try await EmbeddedEventLog(directory: directory, options: EmbeddedLogOptions(mode: .readOnly), logger: quietLogger())
            let fromDatabase = try await readAll(reader, "t", partitions: 3, count: produced)
            try await reader.shutdown()

            #expect(fromDatabase.count == produced)
            let byPosition: ([ConsumedRecord]) -> [ConsumedRecord] = { $0.sorted { ($0.partition, $0.offset) < ($1.partition, $1.offset) } }
            #expect(byPosition(fromHead) == byPosition(fromDatabase))
            #expect(byPosition(fromStart) == byPosition(fromDatabase))
            #expect(fromDatabase.contains { $0.value?.count == 100_000 })
        }
    }

    @Test("records removed by compaction are not served from memory")
    func compactionClearsMemory() async throws {
        try await withEmbeddedLog { log, _ in
            _ = try await log.createTopic(TopicSpec(name: "c", partitions: 1, config: ["cleanup.policy": "compact"]))
            // Compaction keeps a (0), b (3) and c (4): a gap the window would not have.
            let records = ["a", "b", "b", "b", "c"].enumerated().map { OutgoingRecord(key: bytes($1), value: bytes("v\($0)")) }
            _ = try await log.produce(records, to: "c")
            #expect(try await readAll(log, "c", partitions: 1, count: 5).count == 5)
            _ = try await log.enforceRetention()
            let compacted = try await readAll(log, "c", partitions: 1, count: 3, start: .earliest)
            #expect(compacted.map(\.offset) == [0, 3, 4])
        }
    }
}
