import Foundation
import KeelCore
import KeelLog
import Logging
import Testing

@testable import KeelKafka

/// Where the integration broker is (`KEEL_TEST_KAFKA=host:port`), and what to do when it is not set:
/// fail loudly on CI (`CI` set) or with `KEEL_REQUIRE_INTEGRATION=1`, otherwise record a known issue.
/// (To be centralised in KeelTestSupport.)
enum KafkaIntegration {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// The broker address, or nil after recording the failure / known issue.
    static func broker(sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        if let address = environment["KEEL_TEST_KAFKA"], !address.isEmpty { return address }
        let message = "KEEL_TEST_KAFKA is not set: start a broker with `Scripts/kafka-runtime.sh start-tansu` and run with LD_LIBRARY_PATH=$(Scripts/kafka-runtime.sh libdir) KEEL_TEST_KAFKA=<host:port>"
        if environment["CI"] != nil || environment["KEEL_REQUIRE_INTEGRATION"] == "1" {
            Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
        } else {
            withKnownIssue(Comment(rawValue: "skipped: " + message)) {
                Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
            }
        }
        return nil
    }

    /// The repository root (for Scripts/ and .tools/).
    static var repositoryRoot: URL {
        var url = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }
}

func testLogger(_ label: String = "kafka-test") -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = ProcessInfo.processInfo.environment["KEEL_TEST_LOG"] == "1" ? .debug : .critical
    return logger
}

func uniqueTopic(_ prefix: String = "t") -> String {
    "keel-\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
}

/// A log for tests: group timings suitable for tansu.
func makeLog(_ bootstrap: String, configure: (inout KafkaLogConfiguration) -> Void = { _ in }) async throws -> KafkaEventLog {
    var config = KafkaLogConfiguration(bootstrapServers: bootstrap)
    config.connectTimeout = .seconds(10)
    configure(&config)
    return try await KafkaEventLog(configuration: config, logger: testLogger())
}

/// Polls until `count` records arrived (or the deadline), collecting every event.
func drain(_ consumer: any EventConsumer, records count: Int, within limit: Duration = .seconds(30)) async throws -> (records: [ConsumedRecord], events: [ConsumerEvent]) {
    var records: [ConsumedRecord] = []
    var events: [ConsumerEvent] = []
    let deadline = ContinuousClock.now + limit
    while records.count < count, ContinuousClock.now < deadline {
        guard let event = try await consumer.poll(timeout: .milliseconds(500)) else { continue }
        events.append(event)
        if case .records(let batch) = event { records += batch }
    }
    return (records, events)
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
