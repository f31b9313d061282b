import Foundation
import KeelCore
import KeelKafka
import KeelLog
import KeelTestSupport
import Logging
import Testing

@testable import KeelLogEmbedded

/// The adapters the conformance suite runs against. Every test takes one as its argument, so
/// the same assertions hold for the embedded log and for Kafka.
enum LogUnderTest: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case embedded
    case kafka

    var testDescription: String { rawValue }
}

extension LogUnderTest {
    /// Returns once a poll on `log` is waiting for new records, where the log lets a test see it.
    func waitUntilAPollWaits(_ log: any EventLog) async throws {
        switch self {
        case .embedded:
            // The embedded log wakes waiting polls on commit: a waiter on its notifier is a poll
            // that found nothing and sleeps until a wake-up.
            let embedded = try #require(log as? EmbeddedEventLog)
            try await withDeadline(.seconds(60), "a poll suspended on the embedded log's notifier") {
                while embedded.notifier.waiterCount == 0 { try await Task.sleep(for: .milliseconds(1)) }
            }
        case .kafka:
            // librdkafka fetches on its own threads whether or not a poll is in flight, so there is
            // no separate wake-up path to prove; the empty poll before showed the consumer caught up.
            return
        }
    }
}

/// Polls until a poll comes back empty: the consumer has delivered everything there is.
func awaitEmptyPoll(_ consumer: any EventConsumer, timeout: Duration = .seconds(30)) async throws {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while ContinuousClock.now < deadline {
        switch try await consumer.poll(timeout: .milliseconds(250)) {
        case nil: return
        case .records(let records): Issue.record("records after the backlog: \(records.count)")
        default: continue
        }
    }
    Issue.record("no empty poll within \(timeout)")
}

/// Consumer settings that keep group joins quick on tansu (INFRA.md: each join waits
/// session.timeout.ms / 2) and let 5 MB records through.
let kafkaTestProperties: [String: String] = [
    "session.timeout.ms": "6000",
    "heartbeat.interval.ms": "1000",
]

/// Runs `body` with a fresh log of `kind`, shutting it down afterwards.
///
/// For Kafka, a missing broker fails the test where integration tests are required (CI) and
/// is reported as not run elsewhere: it never passes silently.
func withLog(_ kind: LogUnderTest, _ body: (any EventLog) async throws -> Void) async throws {
    var logger = Logger(label: "keel.conformance.\(kind.rawValue)")
    logger.logLevel = .warning
    switch kind {
    case .embedded:
        let directory = try TemporaryDirectory(prefix: "keel-conformance")
        defer { directory.remove() }
        let log = try await EmbeddedEventLog(directory: directory.path, logger: logger)
        try await run(log, body)
    case .kafka:
        switch TestServers.kafka() {
        case .available(let bootstrap):
            var configuration = KafkaLogConfiguration(bootstrapServers: bootstrap)
            configuration.properties.merge(kafkaTestProperties) { _, new in new }
            let log = try await KafkaEventLog(configuration: configuration, logger: logger)
            try await run(log, body)
        case .missingButRequired(let message):
            Issue.record(Comment(rawValue: message))
        case .notConfigured:
            print("conformance[kafka]: not run — set KEEL_TEST_KAFKA (Scripts/test.sh does)")
        }
    }
}

private func run(_ log: any EventLog, _ body: (any EventLog) async throws -> Void) async throws {
    do {
        try await body(log)
    } catch {
        try? await log.shutdown()
        throw error
    }
    try await log.shutdown()
}

/// Creates a topic with a unique name and returns the name.
func makeTopic(_ log: any EventLog, partitions: Int32 = 3, config: [String: String] = [:]) async throws -> String {
    let name = uniqueName("keel.conformance")
    let created = try await log.createTopic(TopicSpec(name: name, partitions: partitions, config: config))
    #expect(created)
    return name
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Reads `partitions` of `topic` with no group from `start` until `count` records arrived or
/// `timeout` passed; returns what arrived, in arrival order.
func readRecords(
    _ log: any EventLog,
    topic: String,
    partitions: Int32,
    count: Int,
    start: StartPosition = .earliest,
    timeout: Duration = .seconds(30)
) async throws -> [ConsumedRecord] {
    let tps = (0..<partitions).map { TopicPartition(topic, $0) }
    let consumer = try await log.makeConsumer(
        ConsumerConfiguration(subscription: .partitions(tps), start: start, maxBatchSize: 500)
    )
    do {
        let records = try await collect(from: consumer, count: count, timeout: timeout)
        try await consumer.close()
        return records
    } catch {
        try? await consumer.close()
        throw error
    }
}

/// Polls `consumer` until `count` records arrived or `timeout` passed.
func collect(from consumer: any EventConsumer, count: Int, timeout: Duration = .seconds(30)) async throws -> [ConsumedRecord] {
    var records: [ConsumedRecord] = []
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while records.count < count, ContinuousClock.now < deadline {
        if case .records(let batch) = try await consumer.poll(timeout: .milliseconds(250)) {
            records.append(contentsOf: batch)
        }
    }
    return records
}

/// Polls `consumer` until it has delivered the record at `lastOffset` (or `timeout` passed).
func collect(from consumer: any EventConsumer, throughOffset lastOffset: Int64, timeout: Duration = .seconds(30)) async throws -> [ConsumedRecord] {
    var records: [ConsumedRecord] = []
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while records.last?.offset != lastOffset, ContinuousClock.now < deadline {
        if case .records(let batch) = try await consumer.poll(timeout: .milliseconds(250)) {
            records.append(contentsOf: batch)
        }
    }
    return records
}

/// Polls until the consumer reports an assignment (group join), returning it.
func awaitAssignment(_ consumer: any EventConsumer, timeout: Duration = .seconds(30)) async throws -> [TopicPartition] {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while ContinuousClock.now < deadline {
        switch try await consumer.poll(timeout: .milliseconds(250)) {
        case .assigned(let partitions): return partitions
        case .records(let records): Issue.record("records before assignment: \(records.count)")
        default: continue
        }
    }
    Issue.record("no assignment within \(timeout)")
    return []
}
