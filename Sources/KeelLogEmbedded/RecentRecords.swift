import KeelLog
import Synchronization

/// The newest committed records of each partition, kept in memory by the writer's process, so
/// that consumers at the head of the log — live projectors and subscribers, which read what
/// was just written — get them without a query or a hop to a reader thread.
///
/// Guarantees: a window holds records `start ..< start + count` of one partition, contiguous
/// and exactly as a query would return them; it is published after the commit that wrote them
/// and before consumers are woken. A read outside a window returns nil and the consumer asks
/// the database. Retention, compaction and topic deletion clear the windows they touch, so no
/// removed record is served from memory. Bounded per partition by record count and bytes;
/// records larger than `maxRecordBytes` are not kept (their window restarts after them).
final class RecentRecords: Sendable {
    typealias Key = PartitionEnds.Key

    private struct Window {
        var start: Int64
        var records: [ConsumedRecord] = []
        var head = 0  // records before `head` are evicted
        var bytes = 0

        var end: Int64 { start + Int64(records.count - head) }

        mutating func append(_ record: ConsumedRecord, size: Int) {
            records.append(record)
            bytes += size
        }

        mutating func evict(maxRecords: Int, maxBytes: Int) {
            while records.count - head > maxRecords || (bytes > maxBytes && records.count - head > 1) {
                bytes -= RecentRecords.size(of: records[head])
                head += 1
                start += 1
            }
            // Evicted records still hold memory until the array is compacted: compacting once
            // they outnumber the kept ones bounds that at about the kept size, for O(1) per record.
            if head > 32, head * 2 >= records.count {
                records.removeFirst(head)
                head = 0
            }
        }
    }

    let maxRecords: Int
    let maxBytes: Int
    let maxRecordBytes: Int
    private let windows = Mutex<[Key: Window]>([:])

    init(maxRecords: Int, maxBytes: Int, maxRecordBytes: Int) {
        self.maxRecords = maxRecords
        self.maxBytes = maxBytes
        self.maxRecordBytes = maxRecordBytes
    }

    static func size(of record: ConsumedRecord) -> Int {
        (record.key?.count ?? 0) + (record.value?.count ?? 0) + record.headers.reduce(0) { $0 + $1.name.utf8.count + ($1.value?.count ?? 0) } + 64
    }

    /// Appends committed records, in offset order per partition. A partition whose window does
    /// not end where its new records begin starts a new window.
    func publish(_ appended: [Key: [ConsumedRecord]]) {
        guard maxRecords > 0 else { return }
        windows.withLock { windows in
            for (key, records) in appended {
                guard let first = records.first else { continue }
                // Taken out of the dictionary, so appending does not copy the records.
                var window = windows.removeValue(forKey: key).flatMap { $0.end == first.offset ? $0 : nil } ?? Window(start: first.offset)
                for record in records {
                    let size = Self.size(of: record)
                    if size > maxRecordBytes {
                        window = Window(start: record.offset + 1)
                        continue
                    }
                    window.append(record, size: size)
                }
                window.evict(maxRecords: maxRecords, maxBytes: maxBytes)
                windows[key] = window
            }
        }
    }

    /// Appends to `records` the partition's records from `offset`, at most `limit` (≥ 1);
    /// returns how many, or nil when the window does not hold `offset`: the caller then asks
    /// the database, which is also right when a window fell behind the committed end.
    func read(_ key: Key, from offset: Int64, limit: Int, into records: inout [ConsumedRecord]) -> Int? {
        windows.withLock { windows -> Int? in
            guard let window = windows[key], offset >= window.start, offset < window.end else { return nil }
            let first = window.head + Int(offset - window.start)
            let last = min(window.records.count, first + max(1, limit))
            records.append(contentsOf: window.records[first..<last])
            return last - first
        }
    }

    /// Forgets the windows of these topics (records removed, topic deleted).
    func clear(topicIDs: Set<Int64>) {
        guard !topicIDs.isEmpty else { return }
        windows.withLock { windows in windows = windows.filter { !topicIDs.contains($0.key.topicID) } }
    }

    func clearAll() {
        windows.withLock { $0.removeAll() }
    }
}
