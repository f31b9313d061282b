import CRdKafka
import KeelLog

/// Offset lookups shared by the log and its consumers. Each blocks up to `timeoutMs` per request to the
/// broker: run them off the cooperative pool.
enum RDOffsets {
    static func forTimestamp(_ client: RDKafkaClient, topic: String, partitions: Int32, timestampMs: Int64, timeoutMs: Int32) throws -> [Int32: Int64]
    {
        let tps = (0..<partitions).map { TopicPartition(topic, $0) }
        let resolved = try forTimestamp(client, tps, timestampMs: timestampMs, timeoutMs: timeoutMs)
        var result: [Int32: Int64] = [:]
        for (tp, offset) in resolved { result[tp.partition] = offset }
        return result
    }

    /// Per partition: the first offset at or after `timestampMs`, or the end offset when there is none.
    static func forTimestamp(_ client: RDKafkaClient, _ partitions: [TopicPartition], timestampMs: Int64, timeoutMs: Int32) throws -> [TopicPartition:
        Int64]
    {
        guard !partitions.isEmpty else { return [:] }
        let list = RDKafkaTopicPartitionList(partitions, offset: timestampMs)
        let err = rd_kafka_offsets_for_times(client.handle, list.list, timeoutMs)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw RDKafka.error(err, "offsets for time \(timestampMs)", detail: client.lastErrorText) }
        if let error = list.firstError("offsets for time \(timestampMs) of") { throw error }
        var result: [TopicPartition: Int64] = [:]
        for element in list.elements {
            if element.offset >= 0 {
                result[element.topicPartition] = element.offset
            } else {
                result[element.topicPartition] = try endOffset(client, element.topicPartition, timeoutMs: timeoutMs)
            }
        }
        return result
    }

    static func endOffset(_ client: RDKafkaClient, _ tp: TopicPartition, timeoutMs: Int32) throws -> Int64 {
        var low: Int64 = 0
        var high: Int64 = 0
        let err = rd_kafka_query_watermark_offsets(client.handle, tp.topic, tp.partition, &low, &high, timeoutMs)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw RDKafka.error(err, "end offset of \(tp)", detail: client.lastErrorText) }
        return high
    }
}
