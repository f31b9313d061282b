/// A map of recently used entries whose size is bounded however many distinct keys arrive.
///
/// Two generations: lookups and updates land in `current`; an entry found only in `previous` is
/// moved up. When `current` holds `capacity / 2` entries, `previous` is dropped and `current`
/// becomes it. So at most `capacity` entries are ever held, each operation is O(1) amortized, and an
/// entry is forgotten only after `capacity / 2` other keys were touched since its own last use.
///
/// Why this shape for token buckets: a forgotten bucket comes back full, which for an idle caller
/// is exactly what it would hold anyway; a flood of distinct keys (addresses, invented
/// subjects) can make the map forget buckets, but never grow it.
struct BoundedBucketMap<Value> {
    let capacity: Int
    private var current: [String: Value] = [:]
    private var previous: [String: Value] = [:]

    /// `capacity` is the most entries held (at least 2).
    init(capacity: Int) {
        precondition(capacity >= 2, "a bounded map needs room for two generations")
        self.capacity = capacity
    }

    var count: Int { current.count + previous.count }

    /// Reads the entry (creating it with `make` when absent), lets `body` change it, and keeps it.
    mutating func update<Result>(_ key: String, make: () -> Value, _ body: (inout Value) -> Result) -> Result {
        var value = current.removeValue(forKey: key) ?? previous.removeValue(forKey: key) ?? make()
        let result = body(&value)
        if current.count >= capacity / 2 {
            previous = current
            current = [:]
        }
        current[key] = value
        return result
    }

    /// The entry, without touching it (it may still be forgotten by later inserts).
    func peek(_ key: String) -> Value? {
        current[key] ?? previous[key]
    }
}
