/// How an `EmbeddedEventLog` opens its directory and how hard it works to keep data safe.
public struct EmbeddedLogOptions: Sendable {
    public enum Mode: Sendable, Hashable {
        /// The one process that may append, commit and administer. Takes `DIR/writer.lock`.
        case writer
        /// Consume and describe beside a writer (e.g. `keel tail` next to `keel serve`). Takes no
        /// lock; produce, commit, create and delete fail with `.invalidArgument`.
        case readOnly
    }

    /// When an acknowledged write reaches stable storage.
    public enum FsyncPolicy: Sendable, Hashable {
        /// SQLite `synchronous=FULL` in WAL mode: the WAL is fsync'ed at every commit, before any
        /// produce or commit of that transaction is acknowledged. An acknowledged record survives
        /// a process crash, a kernel panic and a power loss. (Default.)
        case everyCommit
        /// SQLite `synchronous=NORMAL` in WAL mode: the WAL is written (into the OS page cache)
        /// at every commit and fsync'ed only at checkpoints. An acknowledged record survives a
        /// crash of the process, but the last transactions before a power loss or kernel panic
        /// may be lost (the database itself stays consistent).
        case onCheckpoint
    }

    public var mode: Mode
    public var fsync: FsyncPolicy
    /// How often the writer thread enforces `retention.ms` / `cleanup.policy`; `nil` = only when
    /// `enforceRetention` is called.
    public var retentionInterval: Duration?
    /// How long a group member may take to acknowledge a revocation (by polling again or
    /// closing) before its partitions are handed to another member anyway.
    public var rebalanceTimeout: Duration
    /// Threads (each with its own read-only SQLite connection) serving consumer reads.
    public var readerThreads: Int
    /// The largest record (key + value + headers) accepted, in bytes.
    public var maxRecordBytes: Int
    /// How many of each partition's newest records the writer's process keeps in memory (0: none)
    /// and how many bytes they may take, so consumers at the head of the log read them without a
    /// query. Records over 64 KiB are not kept.
    public var recentRecordsPerPartition: Int
    public var recentBytesPerPartition: Int
    /// Group commit under load: after a commit of at least `commitDelayMinimumBatch` jobs, the
    /// writer waits this long before taking the next batch, so that more requests share one
    /// commit and its fsync (as PostgreSQL's `commit_delay` and `commit_siblings`). A lone
    /// request never waits: after a smaller batch the writer takes the next job at once.
    /// Measured on 2 cores with the gateway at 64 connections (docs/benchmarks.md): 250 µs took
    /// a commit from about 7 to about 12 requests and single-event ingest up by about 4 %.
    /// `.zero` turns it off.
    public var commitDelay: Duration
    public var commitDelayMinimumBatch: Int

    public init(
        mode: Mode = .writer,
        fsync: FsyncPolicy = .everyCommit,
        retentionInterval: Duration? = .seconds(60),
        rebalanceTimeout: Duration = .seconds(30),
        readerThreads: Int = 2,
        maxRecordBytes: Int = 64 * 1024 * 1024,
        recentRecordsPerPartition: Int = 1024,
        recentBytesPerPartition: Int = 512 * 1024,
        commitDelay: Duration = .microseconds(250),
        commitDelayMinimumBatch: Int = 4
    ) {
        self.mode = mode
        self.fsync = fsync
        self.retentionInterval = retentionInterval
        self.rebalanceTimeout = rebalanceTimeout
        self.readerThreads = max(1, readerThreads)
        self.maxRecordBytes = maxRecordBytes
        self.recentRecordsPerPartition = max(0, recentRecordsPerPartition)
        self.recentBytesPerPartition = max(0, recentBytesPerPartition)
        self.commitDelay = max(.zero, commitDelay)
        self.commitDelayMinimumBatch = max(1, commitDelayMinimumBatch)
    }
}
