/// A failure of an `EventLog` adapter. Extensible: match on `code`, read `message` for people.
public struct EventLogError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let raw: String
        private init(_ raw: String) { self.raw = raw }

        /// The topic does not exist.
        public static let unknownTopic = Code("unknown-topic")
        /// The partition does not exist in the topic.
        public static let unknownPartition = Code("unknown-partition")
        /// The log (or consumer) was shut down.
        public static let closed = Code("closed")
        /// The broker (or data directory) could not be reached within the configured time.
        public static let unreachable = Code("unreachable")
        /// Another process holds the embedded log's writer lock.
        public static let locked = Code("locked")
        /// The input was refused by the log (too large, bad name, bad configuration…).
        public static let invalidArgument = Code("invalid-argument")
        /// The operation timed out.
        public static let timedOut = Code("timed-out")
        /// Anything else the underlying system reported.
        public static let internalError = Code("internal")

        public var description: String { raw }
    }

    public var code: Code
    public var message: String
    /// The error an adapter translated into this one (a driver's or the system's), kept for
    /// diagnosis. Not part of equality: the same code and message are the same failure.
    public var cause: (any Error)?

    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public static func == (lhs: EventLogError, rhs: EventLogError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(message)
    }

    public var description: String { "\(code): \(message)" }
}

/// Thrown by `EventLog.produce` when not every record was acknowledged.
///
/// `acknowledged` holds the coordinates of the records (by input index) that *are* durable;
/// every other index failed with the reason in `failures`. Retrying only the failed indexes
/// never duplicates an acknowledged record.
public struct ProduceFailure: Error, Sendable, CustomStringConvertible {
    public var topic: String
    public var acknowledged: [Int: RecordCoordinates]
    public var failures: [Int: EventLogError]

    public init(topic: String, acknowledged: [Int: RecordCoordinates], failures: [Int: EventLogError]) {
        self.topic = topic
        self.acknowledged = acknowledged
        self.failures = failures
    }

    public var description: String {
        let first = failures.sorted { $0.key < $1.key }.first.map { "record \($0.key): \($0.value)" } ?? ""
        return "\(failures.count) of \(failures.count + acknowledged.count) records to \(topic) not acknowledged (\(first))"
    }
}
