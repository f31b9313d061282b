/// How an `EmbeddedProjectionStore` opens its directory and how hard it works to keep data safe.
public struct EmbeddedStoreOptions: Sendable {
    public enum Mode: Sendable, Hashable {
        /// The one process that may write. Takes `DIR/writer.lock` (an exclusive `flock`).
        case writer
        /// Reads beside a writer (e.g. the gateway next to a projector process). Takes no lock;
        /// writes fail with `.invalidRequest`.
        case readOnly
    }

    /// When an applied batch reaches stable storage.
    public enum FsyncPolicy: Sendable, Hashable {
        /// SQLite `synchronous=FULL` in WAL mode: every commit is fsync'ed before `apply` returns;
        /// an applied batch survives a process crash and a power loss. (Default.)
        case everyCommit
        /// SQLite `synchronous=NORMAL`: the WAL is fsync'ed at checkpoints only. An applied batch
        /// survives a process crash; the last ones before a power loss may be lost (the store stays
        /// consistent, and the checkpoint rolls back with the documents, so a projector replays them).
        case onCheckpoint
    }

    public var mode: Mode
    public var fsync: FsyncPolicy
    /// How often the writer deletes documents that TTL indexes expired (they are invisible to
    /// reads from the instant they expire, whatever this is). `nil` = only on `purgeExpired`.
    public var ttlInterval: Duration?
    /// Threads, each with its own read-only SQLite connection, serving reads.
    public var readerThreads: Int

    public init(mode: Mode = .writer, fsync: FsyncPolicy = .everyCommit, ttlInterval: Duration? = .seconds(60), readerThreads: Int = 2) {
        self.mode = mode
        self.fsync = fsync
        self.ttlInterval = ttlInterval
        self.readerThreads = max(1, readerThreads)
    }
}
