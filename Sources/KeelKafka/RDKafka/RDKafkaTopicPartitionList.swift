import CRdKafka
import KeelLog

/// librdkafka's logical offsets: where a partition starts when it has no concrete offset.
enum RDLogicalOffset {
    /// "Not set": the group's committed offset, then `auto.offset.reset`.
    static let invalid = Int64(RD_KAFKA_OFFSET_INVALID)
    static let beginning = Int64(RD_KAFKA_OFFSET_BEGINNING)
    static let end = Int64(RD_KAFKA_OFFSET_END)
}

/// Owns (or borrows) an `rd_kafka_topic_partition_list_t`. Not thread-safe: one caller at a time.
final class RDKafkaTopicPartitionList {
    let list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>
    private let owned: Bool

    init(capacity: Int = 4) {
        list = rd_kafka_topic_partition_list_new(Int32(clamping: max(1, capacity)))
        owned = true
    }

    init(borrowing list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        self.list = list
        owned = false
    }

    convenience init(_ partitions: [TopicPartition], offset: Int64 = RDLogicalOffset.invalid) {
        self.init(capacity: partitions.count)
        for tp in partitions { add(tp, offset: offset) }
    }

    deinit { if owned { rd_kafka_topic_partition_list_destroy(list) } }

    /// An owned copy (of a borrowed list that must outlive its callback).
    func copy() -> RDKafkaTopicPartitionList {
        RDKafkaTopicPartitionList(owning: rd_kafka_topic_partition_list_copy(list))
    }

    private init(owning list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        self.list = list
        owned = true
    }

    func add(_ tp: TopicPartition, offset: Int64) {
        let element = rd_kafka_topic_partition_list_add(list, tp.topic, tp.partition)
        element?.pointee.offset = offset
    }

    /// A whole topic, for a subscription.
    func add(topic: String) {
        add(TopicPartition(topic, Int32(RD_KAFKA_PARTITION_UA)), offset: RDLogicalOffset.invalid)
    }

    var count: Int { Int(list.pointee.cnt) }

    struct Element {
        var topicPartition: TopicPartition
        var offset: Int64
        /// The partition's own error, if librdkafka set one.
        var error: RDKafkaError?
        var index: Int
    }

    var elements: [Element] {
        (0..<count).map { i in
            let e = list.pointee.elems[i]
            return Element(
                topicPartition: TopicPartition(String(cString: e.topic), e.partition),
                offset: e.offset, error: RDKafkaError(ifFailed: e.err), index: i
            )
        }
    }

    func setOffset(at index: Int, _ offset: Int64) { list.pointee.elems[index].offset = offset }

    var partitions: [TopicPartition] { elements.map(\.topicPartition) }

    /// The first per-partition error, mapped.
    func firstError(_ what: String) -> EventLogError? {
        for e in elements {
            if let error = e.error { return error.eventLogError("\(what) \(e.topicPartition)") }
        }
        return nil
    }
}
