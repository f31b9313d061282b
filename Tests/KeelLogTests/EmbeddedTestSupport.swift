import Foundation
import KeelCore
import KeelLog
import KeelTestSupport
import Logging
import Testing

@testable import KeelLogEmbedded

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// A fresh directory and a writer log in it; shuts down and removes both afterwards.
func withEmbeddedLog(
    options: EmbeddedLogOptions = .init(),
    _ body: (EmbeddedEventLog, String) async throws -> Void
) async throws {
    let directory = try TemporaryDirectory(prefix: "keel-embedded")
    defer { directory.remove() }
    let log = try await EmbeddedEventLog(directory: directory.path, options: options, logger: quietLogger())
    do {
        try await body(log, directory.path)
    } catch {
        try? await log.shutdown()
        throw error
    }
    try await log.shutdown()
}

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

func readAll(_ log: any EventLog, _ topic: String, partitions: Int32, count: Int, start: StartPosition = .earliest) async throws -> [ConsumedRecord] {
    let consumer = try await log.makeConsumer(
        .init(
            subscription: .partitions((0..<partitions).map { TopicPartition(topic, $0) }), start: start, maxBatchSize: 500))
    let records = try await collect(from: consumer, count: count)
    try await consumer.close()
    return records
}

func expectCode(_ code: EventLogError.Code, _ body: () async throws -> Void) async -> EventLogError? {
    do {
        try await body()
        Issue.record("expected EventLogError \(code), got success")
        return nil
    } catch let error as EventLogError {
        #expect(error.code == code, "\(error)")
        return error
    } catch {
        Issue.record("expected EventLogError \(code), got \(error)")
        return nil
    }
}

/// Returns once a poll on `log` is suspended waiting for a change (the log's notifier holds a
/// waiter). A record produced after this reaches that poll only through a wake-up: the test no
/// longer depends on whether the produce or the poll wins a race.
func waitUntilAPollWaits(on log: EmbeddedEventLog, within limit: Duration = .seconds(60)) async throws {
    try await withDeadline(limit, "a poll suspended on the log's notifier") {
        while log.notifier.waiterCount == 0 { try await Task.sleep(for: .milliseconds(1)) }
    }
}
