import Foundation
import KeelKafka
import KeelLog
import Testing

extension KafkaIntegrationTests {
    /// What a projector does on every assignment: seek each new partition to its store
    /// checkpoint at once. librdkafka refuses such a seek (`ERR__STATE`) until the partition's
    /// fetcher has started, and may start the fetch again from the assignment's own position
    /// after the seek; `seek` must wait the first out, and the consumer drop what the second
    /// delivers again. Both show under load (the full run), rarely on a quiet machine.
    @Test("a group member seeks each partition the moment it is assigned and reads from there")
    func seekRightAfterAssignment() async throws {
        guard let broker = KafkaIntegration.broker() else { return }
        let log = try await makeLog(broker)
        let topic = uniqueTopic("seek")
        _ = try await log.createTopic(TopicSpec(name: topic, partitions: 3))
        let coordinates = try await log.produce((0..<60).map { OutgoingRecord(key: bytes("k\($0)"), value: bytes("\($0)")) }, to: topic)
        var ends: [Int32: Int64] = [:]
        for coordinate in coordinates { ends[coordinate.partition] = max(ends[coordinate.partition] ?? 0, coordinate.offset + 1) }
        // Each partition is read from the middle of what it holds.
        let from = ends.mapValues { $0 / 2 }
        let expected = ends.reduce(0) { $0 + Int($1.value - from[$1.key]!) }
        for round in 1...3 {
            let consumer = try await log.makeConsumer(
                ConsumerConfiguration(
                    subscription: .group(id: "g-seek-\(UUID().uuidString)", topics: [topic]), start: .committed(fallback: .earliest)))
            var assigned: [TopicPartition] = []
            let deadline = ContinuousClock.now + .seconds(30)
            while assigned.isEmpty, ContinuousClock.now < deadline {
                if case .assigned(let partitions) = try await consumer.poll(timeout: .milliseconds(200)) { assigned = partitions }
            }
            try #require(assigned.count == 3, "round \(round): assigned \(assigned)")
            for partition in assigned { try await consumer.seek(partition, to: .offset(from[partition.partition]!)) }
            // Every record from the sought offsets and none before them (counted once each).
            var records: [ConsumedRecord] = []
            var distinct = Set<String>()
            let readDeadline = ContinuousClock.now + .seconds(20)
            while distinct.count < expected, ContinuousClock.now < readDeadline {
                guard case .records(let batch) = try await consumer.poll(timeout: .milliseconds(500)) else { continue }
                records += batch
                for record in batch { distinct.insert("\(record.partition)@\(record.offset)") }
            }
            let arrival = Dictionary(grouping: records, by: \.partition).mapValues { $0.map(\.offset) }.sorted { $0.key < $1.key }
            #expect(distinct.count == expected, "round \(round): from \(from.sorted { $0.key < $1.key }), arrived \(arrival)")
            #expect(records.allSatisfy { $0.offset >= from[$0.partition]! }, "round \(round): a record before the sought offset")
            // Each record once: librdkafka has been seen fetching such a partition twice (the
            // assignment's own start, most likely, applied after the seek); the consumer must drop the copy.
            #expect(records.count == distinct.count, "round \(round): a record arrived twice: \(arrival)")
            try await consumer.close()
        }
        try await log.shutdown()
    }
}
