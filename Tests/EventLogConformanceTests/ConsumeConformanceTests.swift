import Foundation
import KeelCore
import KeelLog
import KeelTestSupport
import Testing

/// Consuming: groups, commits, resume, seek, live tail. Same suite for every log.
@Suite("EventLog conformance: consume")
struct ConsumeConformanceTests {
    private func produceNumbered(_ log: any EventLog, _ topic: String, count: Int, partitions: Int32 = 1) async throws {
        let records = (0..<count).map { i in
            OutgoingRecord(key: bytes("k\(i % 7)"), value: bytes("\(i)"), partition: partitions == 1 ? 0 : nil)
        }
        _ = try await log.produce(records, to: topic)
    }

    @Test("a group commits and a restarted consumer resumes with no loss and no duplicate", arguments: LogUnderTest.allCases)
    func commitAndResume(kind: LogUnderTest) async throws {
        try await withLog(kind) { log in
            let topic = try await makeTopic(log, partitions: 1)
            let group = uniqueName("group")
            try await produceNumbered(log, topic, count: 250)

            let first = try await log.makeConsumer(.init(subscription: .group(id: group, topics: [topic]), maxBatchSize: 40))
            _ = try await awaitAssignment(first)
            var seen: [ConsumedRecord] = []
            while seen.count < 100 {
                if case .records(let batch) = try await first.poll(timeout: .seconds(1)) { seen += batch }
            }
            let processed = Array(seen.prefix(100))
            try await first.commit([PartitionOffset(TopicPartition(topic, 0), processed.last!.offset + 1)])
            #expect(try await first.committed([TopicPartition(topic, 0)])[TopicPartition(topic, 0)] == 100)
            try await first.close()

            let second = try await log.makeConsumer(.init(subscription: .group(id: group, topics: [topic]), start: .committed(fallback: .earliest)))
            _ = try await awaitAssignment(second)
            let rest = try await collect(from: second, count: 150)
            try await second.close()
            #expect(rest.map(\.offset) == Array(100..<250))
            #expect((processed + rest).map(\.value) == (0..<250).map { bytes("\($0)") })
        }
    }

    @Test("a consumer that dies mid-batch is resumed from its last commit", arguments: LogUnderTest.allCases)
    func killedMidBatch(kind: LogUnderTest) async throws {
        try await withLog(kind) { log in
            let topic = try await makeTopic(log, partitions: 1)
            let group = uniqueName("group")
            try await produceNumbered(log, topic, count: 120)
            let tp = TopicPartition(topic, 0)

            let doomed = try await log.makeConsumer(.init(subscription: .partitions([tp], commitGroup: group), maxBatchSize: 50))
            let firstBatch = try await collect(from: doomed, count: 50)
            try await doomed.commit([PartitionOffset(tp, firstBatch.last!.offset + 1)])
            _ = try await collect(from: doomed, count: 30)  // processed, never committed: the process "dies" here
            try await doomed.close()

            let heir = try await log.makeConsumer(.init(subscription: .partitions([tp], commitGroup: group), start: .committed(fallback: .earliest)))
            let resumed = try await collect(from: heir, count: 120 - firstBatch.count)
            try await heir.close()
            #expect(resumed.first?.offset == firstBatch.last!.offset + 1)
            #expect(resumed.map(\.offset) == Array((firstBatch.last!.offset + 1)..<120))
        }
    }

    @Test("two consumers in one group split the partitions", arguments: LogUnderTest.allCases)
    func groupSplitsPartitions(kind: LogUnderTest) async throws {
        try await withLog(kind) { log in
            let topic = try await makeTopic(log, partitions: 4)
            let group = uniqueName("group")
            let one = try await log.makeConsumer(.init(subscription: .group(id: group, topics: [topic])))
            let firstAssignment = try await awaitAssignment(one)
            #expect(Set(firstAssignment) == Set((0..<4).map { TopicPartition(topic, $0) }))

            let two = try await log.makeConsumer(.init(subscription: .group(id: group, topics: [topic])))
            // Both members must poll for the rebalance to complete; poll them together until settled.
            let deadline = ContinuousClock.now.advanced(by: .seconds(40))
            var settled = false
            while !settled, ContinuousClock.now < deadline {
                async let a: ConsumerEvent? = one.poll(timeout: .milliseconds(300))
                async let b: ConsumerEvent? = two.poll(timeout: .milliseconds(300))
                _ = try await (a, b)
                let (ownedByOne, ownedByTwo) = (try await one.assignment(), try await two.assignment())
                settled =
                    !ownedByOne.isEmpty && !ownedByTwo.isEmpty
                    && Set(ownedByOne).isDisjoint(with: ownedByTwo) && ownedByOne.count + ownedByTwo.count == 4
            }
            #expect(settled, "the group never split its 4 partitions between both members")

            try await produceNumbered(log, topic, count: 200, partitions: 4)
            async let fromOne = collect(from: one, count: 200, timeout: .seconds(4))
            async let fromTwo = collect(from: two, count: 200, timeout: .seconds(4))
            let (recordsOne, recordsTwo) = try await (fromOne, fromTwo)
            #expect(recordsOne.count + recordsTwo.count == 200)
            #expect(Set(recordsOne.map(\.partition)).isDisjoint(with: Set(recordsTwo.map(\.partition))))
            try await one.close()
            try await two.close()
        }
    }

    @Test("seek by offset and by time", arguments: LogUnderTest.allCases)
    func seekByOffsetAndTime(kind: LogUnderTest) async throws {
        try await withLog(kind) { log in
            let topic = try await makeTopic(log, partitions: 1)
            let base: Int64 = 1_750_000_000_000
            _ = try await log.produce(
                (0..<100).map {
                    OutgoingRecord(key: nil, value: bytes("\($0)"), timestampMs: base + Int64($0) * 1000, partition: 0)
                }, to: topic)
            let tp = TopicPartition(topic, 0)
            // tansu answers every timestamp lookup with offset 0 (INFRA.md's known gaps). Every log
            // must still never skip a record at or after the timestamp; exact offsets are checked
            // everywhere else and marked as a known issue on tansu.
            let tansuGap = kind == .kafka && TestServers.kafkaIsTansu

            let exactLookup = try await log.offsets(topic: topic, atTimestampMs: base + 42_000)[0]
            let betweenLookup = try await log.offsets(topic: topic, atTimestampMs: base + 41_500)[0]
            #expect((exactLookup ?? .max) <= 42 && (betweenLookup ?? .max) <= 42)
            withKnownIssue("tansu: ListOffsets by timestamp returns 0") {
                #expect(exactLookup == 42)
                #expect(betweenLookup == 42)
            } when: {
                tansuGap
            }

            let fromTime = try await log.makeConsumer(.init(subscription: .partitions([tp]), start: .timestampMs(base + 42_000), maxBatchSize: 100))
            let byTime = try await collect(from: fromTime, throughOffset: 99)
            try await fromTime.close()
            #expect(Set(byTime.map(\.offset)).isSuperset(of: 42..<100))
            withKnownIssue("tansu: ListOffsets by timestamp returns 0") {
                #expect(byTime.first?.offset == 42)
                #expect(byTime.count == 58)
            } when: {
                tansuGap
            }

            let byOffset = try await readRecords(log, topic: topic, partitions: 1, count: 10, start: .offset(90))
            #expect(byOffset.map(\.offset) == Array(90..<100))

            let consumer = try await log.makeConsumer(.init(subscription: .partitions([tp]), start: .earliest, maxBatchSize: 100))
            let all = try await collect(from: consumer, count: 100)
            #expect(all.count == 100)
            try await consumer.seek(tp, to: .offset(17))
            let again = try await collect(from: consumer, count: 83)
            #expect(again.first?.offset == 17)
            #expect(again.last?.offset == 99)
            try await consumer.seek(tp, to: .timestampMs(base + 95_000))
            let late = try await collect(from: consumer, throughOffset: 99)
            #expect(Set(late.map(\.offset)).isSuperset(of: 95..<100))
            withKnownIssue("tansu: ListOffsets by timestamp returns 0") {
                #expect(late.map(\.offset) == Array(95..<100))
            } when: {
                tansuGap
            }
            try await consumer.close()
        }
    }

    @Test("a live consumer receives records appended after it started", arguments: LogUnderTest.allCases)
    func liveTail(kind: LogUnderTest) async throws {
        try await withLog(kind) { log in
            let topic = try await makeTopic(log, partitions: 2)
            try await produceNumbered(log, topic, count: 10, partitions: 2)
            let consumer = try await log.makeConsumer(
                .init(subscription: .partitions([TopicPartition(topic, 0), TopicPartition(topic, 1)]), start: .earliest))
            let backlog = try await collect(from: consumer, count: 10)
            #expect(backlog.count == 10)
            // Caught up before anything new exists: a poll came back empty. What is produced
            // below comes after the consumer had read everything and found nothing.
            try await awaitEmptyPoll(consumer)
            // One poll in flight, with a timeout far beyond the deadline, and the produce only once
            // it waits (where the log lets a test see that): the records must reach a waiting poll.
            let live = Task { try await consumer.poll(timeout: .seconds(3600)) }
            try await kind.waitUntilAPollWaits(log)
            _ = try await log.produce((0..<5).map { OutgoingRecord(key: bytes("live-\($0)"), value: bytes("live")) }, to: topic)
            let first = try await withDeadline(.seconds(60), "the waiting poll receiving live records") { try await live.value }
            guard case .records(let woken)? = first else {
                Issue.record("the waiting poll ended without records: \(String(describing: first))")
                return
            }
            // A Kafka consumer may hand the five over in more than one batch.
            let arrived = woken + (woken.count < 5 ? try await collect(from: consumer, count: 5 - woken.count, timeout: .seconds(30)) : [])
            #expect(arrived.count == 5)
            #expect(arrived.allSatisfy { $0.value == bytes("live") })
            try await consumer.close()
        }
    }

    @Test("events() ends when the consumer is closed", arguments: LogUnderTest.allCases)
    func asyncSequenceEndsOnClose(kind: LogUnderTest) async throws {
        try await withLog(kind) { log in
            let topic = try await makeTopic(log, partitions: 1)
            try await produceNumbered(log, topic, count: 3)
            let consumer = try await log.makeConsumer(.init(subscription: .partitions([TopicPartition(topic, 0)]), start: .earliest))
            var received = 0
            for try await event in consumer.events {
                if case .records(let records) = event { received += records.count }
                if received >= 3 { try await consumer.close() }
            }
            #expect(received == 3)
            await #expect(throws: EventLogError.self) {
                try await consumer.commit([]); _ = try await consumer.poll(timeout: .milliseconds(10))
            }
        }
    }
}
