/// Log positions the port does not name directly. A helper over `EventLog` alone, so it lives with
/// the port: every role and adapter can use it without depending on the runtime.
public enum LogOffsets {
    /// The end offset (next offset to be written) of every partition of `topics`. Uses
    /// `offsets(topic:atTimestampMs:)` with the largest timestamp: no record is at or after it,
    /// so every partition answers with its end.
    public static func ends(of topics: Set<String>, in log: any EventLog) async throws -> [TopicPartition: Int64] {
        var result: [TopicPartition: Int64] = [:]
        for topic in topics.sorted() {
            guard try await log.describeTopic(topic) != nil else { continue }
            for (partition, offset) in try await log.offsets(topic: topic, atTimestampMs: Int64.max) {
                result[TopicPartition(topic, partition)] = offset
            }
        }
        return result
    }
}
