import Synchronization

/// The committed end (next offset) of every partition, as the writer of this process last
/// published it, so a consumer can tell without a query which of its partitions have anything
/// to read.
///
/// Published by the writer thread after each commit and before consumers are woken, so a
/// consumer that was woken for a commit always sees its ends. Only the writer process has it:
/// a read-only instance (another process) asks the database instead.
final class PartitionEnds: Sendable {
    struct Key: Hashable, Sendable {
        var topicID: Int64
        var partition: Int32
    }

    private let ends = Mutex<[Key: Int64]>([:])

    /// The committed end of a partition; nil when this process has not seen it (yet).
    func end(topicID: Int64, partition: Int32) -> Int64? {
        ends.withLock { $0[Key(topicID: topicID, partition: partition)] }
    }

    /// Records committed ends; `replacingAll` forgets partitions not listed (after a reload).
    func publish(_ updates: [(Key, Int64)], replacingAll: Bool = false) {
        ends.withLock { ends in
            if replacingAll { ends.removeAll(keepingCapacity: true) }
            for (key, end) in updates { ends[key] = end }
        }
    }
}
