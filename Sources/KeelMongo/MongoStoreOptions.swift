/// Settings of a `MongoProjectionStore`.
public struct MongoStoreOptions: Sendable, Hashable {
    /// The database holding the projection collections and `keel_checkpoints`. `nil`: the URI's
    /// path (`mongodb://host/db`), else `keel`.
    public var database: String?
    /// Write concern of every write and transaction commit. Default `w: majority, j: true`: an
    /// acknowledged batch survives a server crash.
    public var writeConcern: WriteConcern
    /// How long to wait for a TCP connection (`connectTimeoutMS`).
    public var connectTimeout: Duration
    /// How long an operation waits for a usable server before failing with `.unavailable`
    /// (`serverSelectionTimeoutMS`). Also bounds `init` against an unreachable server.
    public var serverSelectionTimeout: Duration
    /// Retries of transient failures (network, write conflicts, not-primary, transient transaction errors).
    public var retry: RetryPolicy
    /// Dedicated threads running libmongoc calls, and the client pool's size. Default 4.
    public var threads: Int

    public init(
        database: String? = nil,
        writeConcern: WriteConcern = .majorityJournaled,
        connectTimeout: Duration = .seconds(5),
        serverSelectionTimeout: Duration = .seconds(10),
        retry: RetryPolicy = .init(),
        threads: Int = 4
    ) {
        self.database = database
        self.writeConcern = writeConcern
        self.connectTimeout = connectTimeout
        self.serverSelectionTimeout = serverSelectionTimeout
        self.retry = retry
        self.threads = threads
    }

    public struct WriteConcern: Sendable, Hashable {
        /// `nil` means `majority`; otherwise the number of members that must acknowledge.
        public var w: Int?
        public var journal: Bool

        public init(w: Int? = nil, journal: Bool = true) {
            self.w = w
            self.journal = journal
        }

        public static let majorityJournaled = WriteConcern(w: nil, journal: true)
    }

    /// Exponential backoff between attempts: `initialBackoff`, doubling, capped at `maxBackoff`,
    /// for at most `maxAttempts` attempts in total.
    public struct RetryPolicy: Sendable, Hashable {
        public var maxAttempts: Int
        public var initialBackoff: Duration
        public var maxBackoff: Duration

        public init(maxAttempts: Int = 8, initialBackoff: Duration = .milliseconds(50), maxBackoff: Duration = .seconds(2)) {
            self.maxAttempts = maxAttempts
            self.initialBackoff = initialBackoff
            self.maxBackoff = maxBackoff
        }

        func backoff(afterAttempt attempt: Int) -> Duration {
            var delay = initialBackoff
            for _ in 1..<max(1, attempt) where delay < maxBackoff { delay *= 2 }
            return min(delay, maxBackoff)
        }
    }
}

extension Duration {
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
