import Foundation
import KeelCore
import KeelLog

/// The log benchmark's workload: `events` records of `valueSize` bytes under 1,000 distinct keys,
/// produced in batches with a window of calls in flight, then consumed from the beginning.
struct LogWorkload: Sendable {
    var events: Int
    var valueSize: Int
    var batchSize: Int
    var inflight: Int
    var partitions: Int32

    struct Measured {
        var produceSeconds: Double
        var consumeSeconds: Double
        /// The result of the work run between produce and consume (the reference consumer).
        var betweenResult: Double?
    }

    func run(on log: any EventLog, between: (() throws -> Double)? = nil) async throws -> Measured {
        let topic = "keel.bench.log-\(UUID().uuidString.prefix(8).lowercased())"
        _ = try await log.createTopic(TopicSpec(name: topic, partitions: partitions))
        let batches = makeBatches()

        let produceStart = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            for _ in 0..<min(inflight, batches.count) {
                let batch = batches[next]
                next += 1
                group.addTask { _ = try await log.produce(batch, to: topic) }
            }
            while try await group.next() != nil {
                guard next < batches.count else { continue }
                let batch = batches[next]
                next += 1
                group.addTask { _ = try await log.produce(batch, to: topic) }
            }
        }
        let produceSeconds = (ContinuousClock.now - produceStart).seconds

        let betweenResult = try between?()

        let consumer = try await log.makeConsumer(
            ConsumerConfiguration(
                subscription: .partitions((0..<partitions).map { TopicPartition(topic, $0) }),
                start: .earliest, maxBatchSize: 10_000
            ))
        let consumeStart = ContinuousClock.now
        var consumed = 0
        var bytes = 0
        while consumed < events {
            guard let event = try await consumer.poll(timeout: .seconds(30)) else {
                throw CLIFailure.runtime("consume stalled at \(consumed) of \(events) events")
            }
            if case .records(let records) = event {
                consumed += records.count
                for record in records { bytes &+= record.value?.count ?? 0 }
            }
        }
        let consumeSeconds = (ContinuousClock.now - consumeStart).seconds
        try await consumer.close()
        _ = try? await log.deleteTopic(topic)
        guard bytes >= events * valueSize else {
            throw CLIFailure.runtime("consumed \(bytes) bytes, expected at least \(events * valueSize)")
        }
        return Measured(produceSeconds: produceSeconds, consumeSeconds: consumeSeconds, betweenResult: betweenResult)
    }

    private func makeBatches() -> [[OutgoingRecord]] {
        let value = [UInt8](repeating: UInt8(ascii: "x"), count: valueSize)
        let keys = (0..<1000).map { Array("key-\($0)".utf8) }
        return stride(from: 0, to: events, by: batchSize).map { start in
            (start..<min(start + batchSize, events)).map { OutgoingRecord(key: keys[$0 % 1000], value: value) }
        }
    }
}

extension Duration {
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }
}
