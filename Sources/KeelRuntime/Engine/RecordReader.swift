import KeelLog

/// Reads single records back from the log by coordinates (for redrive), with a consumer of its
/// own on the record's partition and no group.
struct RecordReader: Sendable {
    let log: any EventLog

    /// The record at `offset`, or `nil` when the log no longer has it (retention, compaction).
    func read(topic: String, partition: Int32, offset: Int64) async throws -> ConsumedRecord? {
        let partitionID = TopicPartition(topic, partition)
        let consumer = try await log.makeConsumer(
            ConsumerConfiguration(
                subscription: .partitions([partitionID]), start: .offset(offset), maxBatchSize: 1))
        do {
            let record = try await first(of: consumer)
            try await consumer.close()
            return record?.offset == offset ? record : nil
        } catch {
            try? await consumer.close()
            throw error
        }
    }

    private func first(of consumer: any EventConsumer) async throws -> ConsumedRecord? {
        // A record that was dead-lettered exists, so this only waits for the consumer's first
        // fetch; the bound keeps a trimmed partition from hanging a redrive.
        for _ in 0..<20 {
            guard let event = try await consumer.poll(timeout: .milliseconds(250)) else { continue }
            if case .records(let records) = event, let record = records.first { return record }
        }
        return nil
    }
}
