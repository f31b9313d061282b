import KeelCore
import KeelLog
import KeelTestSupport
import Testing

@Suite("EventLog conformance: admin")
struct AdminConformanceTests {
    @Test("create is idempotent, describe reports partitions and configs, delete removes", arguments: LogUnderTest.allCases)
    func topicLifecycle(kind: LogUnderTest) async throws {
        try await withLog(kind) { log in
            let name = uniqueName("keel.admin")
            let spec = TopicSpec(name: name, partitions: 5, config: ["cleanup.policy": "compact", "retention.ms": "3600000"])
            #expect(try await log.createTopic(spec))
            #expect(try await !log.createTopic(spec))
            let description = try #require(try await log.describeTopic(name))
            #expect(description.partitions == 5)
            #expect(description.config["cleanup.policy"] == "compact")
            #expect(description.config["retention.ms"] == "3600000")
            #expect(try await log.listTopics().contains(name))
            #expect(try await log.deleteTopic(name))
            #expect(try await log.describeTopic(name) == nil)
            #expect(try await !log.deleteTopic(name))
        }
    }

    @Test("start at latest sees only records appended after assignment", arguments: LogUnderTest.allCases)
    func startAtLatest(kind: LogUnderTest) async throws {
        try await withLog(kind) { log in
            let topic = try await makeTopic(log, partitions: 1)
            // One record per request: tansu's ListOffsets(latest) is only right for single-record batches.
            for i in 0..<3 { _ = try await log.produce(OutgoingRecord(key: nil, value: bytes("old\(i)"), partition: 0), to: topic) }
            let consumer = try await log.makeConsumer(.init(subscription: .partitions([TopicPartition(topic, 0)]), start: .latest))
            _ = try await consumer.poll(timeout: .milliseconds(500))  // let the assignment take its position
            _ = try await log.produce(OutgoingRecord(key: nil, value: bytes("new"), partition: 0), to: topic)
            let records = try await collect(from: consumer, count: 1, timeout: .seconds(15))
            #expect(records.map(\.value) == [bytes("new")])
            try await consumer.close()
        }
    }
}
