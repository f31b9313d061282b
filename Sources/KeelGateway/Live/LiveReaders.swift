import KeelCore
import KeelLog
import KeelRuntime

/// One record as the feed hands it to subscribers: decoded once for all of them.
struct FeedRecord: Sendable {
    let topic: String
    let partition: Int32
    let offset: Int64
    /// `nil` for a record that is not a valid event of its stamped tenant: it advances
    /// positions and is delivered to nobody.
    let event: CloudEvent?

    init(_ record: ConsumedRecord) {
        topic = record.topic
        partition = record.partition
        offset = record.offset
        event = try? KafkaBinding.decodeStamped(key: record.key, value: record.value, headers: record.headers)
    }

    /// The event as a subscriber receives it, with its coordinates and resume position.
    func render(_ event: CloudEvent, position: StreamPosition) -> LiveMessage {
        var annotated = event
        annotated.extensions["keeltopic"] = topic
        annotated.extensions["keelpartition"] = String(partition)
        annotated.extensions["keeloffset"] = String(offset)
        annotated.extensions["keelposition"] = position.description
        return LiveMessage(json: annotated.structured().serialized(), position: position, type: event.type)
    }
}

/// Waits for a consumer over explicit partitions to report them assigned (seeks need it).
private func waitUntilAssigned(_ consumer: any EventConsumer) async throws {
    while true {
        try Task.checkCancellation()
        if case .assigned? = try await consumer.poll(timeout: .milliseconds(250)) { return }
    }
}

/// The shared reader of one topic: from the topic's end, every partition, until cancelled.
struct FeedReader {
    let log: any EventLog
    let topic: String

    func run(
        started: @Sendable ([Int32: Int64], Int32) -> Void, publish: @Sendable ([FeedRecord]) -> Void
    ) async throws {
        guard let description = try await log.describeTopic(topic) else {
            throw EventLogError(.unknownTopic, "no topic '\(topic)'")
        }
        let partitions = (0..<Int32(description.partitions)).map { TopicPartition(topic, $0) }
        let ends = try await LogOffsets.ends(of: [topic], in: log)
        var position: [Int32: Int64] = [:]
        for partition in partitions { position[partition.partition] = ends[partition] ?? 0 }
        let consumer = try await log.makeConsumer(ConsumerConfiguration(subscription: .partitions(partitions), start: .earliest, maxBatchSize: 500))
        do {
            try await waitUntilAssigned(consumer)
            for partition in partitions { try await consumer.seek(partition, to: .offset(position[partition.partition] ?? 0)) }
            started(position, Int32(partitions.count))
            while !Task.isCancelled {
                guard case .records(let records)? = try await consumer.poll(timeout: .milliseconds(250)) else { continue }
                var batch: [FeedRecord] = []
                batch.reserveCapacity(records.count)
                for record in records where record.offset >= position[record.partition] ?? 0 {
                    position[record.partition] = record.offset + 1
                    batch.append(FeedRecord(record))
                }
                if !batch.isEmpty { publish(batch) }
            }
        } catch {
            try? await consumer.close()
            throw error
        }
        try? await consumer.close()
    }
}

/// A subscriber's own reader from a past position up to where the topic's feed is; then the
/// subscriber joins the feed.
struct CatchUpReader {
    let log: any EventLog
    let request: LiveStreamRequest
    let partitions: [Int32]

    /// Reads from `position` into `buffer`, asking `join` after each poll whether the feed can
    /// take over from the current position; returns when it did. Throws `CancellationError`
    /// when the subscriber's stream ended meanwhile (it fell behind, or left).
    func run(from position: inout [Int32: Int64], into buffer: SubscriberBuffer, join: ([Int32: Int64]) throws -> Bool) async throws {
        let topicPartitions = partitions.map { TopicPartition(request.topic, $0) }
        let consumer = try await log.makeConsumer(
            ConsumerConfiguration(subscription: .partitions(topicPartitions), start: .earliest, maxBatchSize: 500))
        do {
            try await waitUntilAssigned(consumer)
            for partition in topicPartitions { try await consumer.seek(partition, to: .offset(position[partition.partition] ?? 0)) }
            while try !join(position) {
                try Task.checkCancellation()
                guard case .records(let records)? = try await consumer.poll(timeout: .milliseconds(100)) else { continue }
                for record in records where record.offset >= position[record.partition] ?? 0 {
                    position[record.partition] = record.offset + 1
                    let feedRecord = FeedRecord(record)
                    guard let event = feedRecord.event, request.matches(event) else { continue }
                    let message = feedRecord.render(event, position: StreamPosition(offsets: position))
                    guard buffer.offer(.event(message)) else { throw CancellationError() }
                }
            }
        } catch {
            try? await consumer.close()
            throw error
        }
        try? await consumer.close()
    }
}
