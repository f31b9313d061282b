/// An event as a projector sees it: the decoded (and upcast) CloudEvent plus where it was read.
public struct ProjectedEvent: Sendable, Hashable {
    public var event: CloudEvent
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    /// The record's log timestamp (milliseconds since the epoch).
    public var timestampMs: Int64
    /// The record key as UTF-8 text (`nil` for keyless records or non-UTF-8 keys).
    public var key: String?

    public init(event: CloudEvent, topic: String, partition: Int32, offset: Int64, timestampMs: Int64, key: String? = nil) {
        self.event = event
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestampMs = timestampMs
        self.key = key
    }

    /// The event's own `time` when present, else the record's log timestamp: the instant a
    /// projection files the event under.
    public var instantMs: Int64 { event.timeMs ?? timestampMs }
}

/// Why a projector (or an upcaster) could not handle an event. Always a *poison* verdict: the
/// runtime dead-letters the event and blocks its key; it never retries it by itself.
public struct ProjectionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A short machine-readable reason: `decode`, `upcast`, `data`, `missing-attribute`, …
    public var code: String
    public var message: String

    public init(code: String, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}

/// A read model: a pure function from one event to document changes.
///
/// Guarantees a conforming type must keep (the runtime relies on them for exactly-once effect
/// and for replay = live):
/// - **Pure and deterministic:** the changes depend only on the event (no clock, no I/O, no
///   randomness), so replaying the log rebuilds exactly the same documents.
/// - **Order-insensitive where it matters:** the runtime keeps per-partition order; across
///   partitions, changes must commute (counters, `$min`/`$max`, per-key documents).
/// - **Throwing means poison:** a thrown `ProjectionError` dead-letters the event and blocks
///   its key until it is redriven or skipped.
public protocol Projector: Sendable {
    /// The projection's name: also its collection-set name in the store (e.g. `activity`).
    var name: String { get }
    /// The topics it consumes.
    var topics: [String] { get }
    /// The logical collections it writes (the runtime adds its own `deadletters`).
    var collections: [String] { get }
    /// The projector's code version, shown by `keel projections status`.
    var version: Int { get }
    /// The `dataversion` the projector expects per event type. Types not listed are upcast to
    /// the latest version the upcaster chain knows.
    var dataVersions: [String: Int] { get }
    /// The collections it fills as keyed sets (first occurrences with a retention, see
    /// `KeyedSetSpec`): the runtime declares them to the store before the first batch of each
    /// generation it writes.
    var keyedSets: [KeyedSetSpec] { get }

    func project(_ event: ProjectedEvent) throws(ProjectionError) -> [DocumentChange]
}

extension Projector {
    public var dataVersions: [String: Int] { [:] }
    public var keyedSets: [KeyedSetSpec] { [] }
}
