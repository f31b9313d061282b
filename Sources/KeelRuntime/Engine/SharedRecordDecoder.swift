import KeelCore
import KeelLog
import Synchronization

/// Decodes each consumed record once for all the projectors of a process.
///
/// Every projector consumes its topics on its own (its own group, checkpoint and pace), so the
/// same record reaches several of them at about the same time; decoding a CloudEvent is most of
/// what projecting it costs. The first projector to reach a record decodes it and leaves the
/// result here, keyed by the record's coordinates; the others take it. Bounded: the oldest of
/// `capacity` entries is forgotten first, so a projector far behind the others just decodes for
/// itself. Thread-safe. One instance per log: coordinates identify a record only within one log.
public final class SharedRecordDecoder: Sendable {
    struct Key: Hashable {
        let topic: String
        let partition: Int32
        let offset: Int64
    }

    private struct Cache {
        var entries: [Key: Result<CloudEvent, ProjectionError>] = [:]
        /// Insertion order, as a ring, for eviction.
        var order: [Key?]
        var next = 0
    }

    private let cache: Mutex<Cache>
    private let hits = Atomic<Int>(0)

    public init(capacity: Int = 32_768) {
        cache = Mutex(Cache(order: Array(repeating: nil, count: max(1, capacity))))
    }

    /// The record as a CloudEvent of its stamped tenant, or the decode failure (a poison verdict).
    public func decode(_ record: ConsumedRecord) -> Result<CloudEvent, ProjectionError> {
        let key = Key(topic: record.topic, partition: record.partition, offset: record.offset)
        if let cached = cache.withLock({ $0.entries[key] }) {
            hits.add(1, ordering: .relaxed)
            return cached
        }
        let decoded = Self.decodeUncached(record)
        cache.withLock { cache in
            guard cache.entries.updateValue(decoded, forKey: key) == nil else { return }
            if let evicted = cache.order[cache.next] { cache.entries[evicted] = nil }
            cache.order[cache.next] = key
            cache.next = (cache.next + 1) % cache.order.count
        }
        return decoded
    }

    /// Lookups answered from the cache (for tests and diagnostics).
    public var hitCount: Int { hits.load(ordering: .relaxed) }

    static func decodeUncached(_ record: ConsumedRecord) -> Result<CloudEvent, ProjectionError> {
        do {
            return .success(try KafkaBinding.decodeStamped(key: record.key, value: record.value, headers: record.headers))
        } catch {
            return .failure(ProjectionError(code: "decode", "not a CloudEvent: \(error.description)"))
        }
    }
}
