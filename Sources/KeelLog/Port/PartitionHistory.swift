extension EventLog {
    /// Reads one partition from its first record up to the end it had when called, handing each
    /// batch (offset order, only records below that end) to `body`: how a role rebuilds what it
    /// owns, and how a single key's history is read.
    ///
    /// Logs that report no end offsets (tansu answers 0) read as empty. The read also stops after
    /// 50 empty polls of 100 ms, so a partition that cannot be read to its end does not hang the
    /// caller. The reader is closed on every path.
    public func readPartitionToEnd(
        _ partition: TopicPartition, maxBatchSize: Int = 2000, _ body: ([ConsumedRecord]) throws -> Void
    ) async throws {
        let end = try await LogOffsets.ends(of: [partition.topic], in: self)[partition] ?? 0
        guard end > 0 else { return }
        let reader = try await makeConsumer(
            ConsumerConfiguration(subscription: .partitions([partition]), start: .earliest, maxBatchSize: maxBatchSize))
        do {
            var position: Int64 = 0
            var idlePolls = 0
            while position < end, idlePolls < 50 {
                guard case .records(let records)? = try await reader.poll(timeout: .milliseconds(100)) else {
                    idlePolls += 1
                    continue
                }
                idlePolls = 0
                position = records.last.map { $0.offset + 1 } ?? position
                let below = records.filter { $0.offset < end }
                if !below.isEmpty { try body(below) }
            }
        } catch {
            try? await reader.close()
            throw error
        }
        try? await reader.close()
    }
}
