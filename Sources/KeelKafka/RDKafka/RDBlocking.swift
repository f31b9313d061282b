import KeelCore
import KeelLog

/// Where the Kafka adapter's blocking librdkafka calls run: `BlockingExecutor`s, never Swift's
/// cooperative pool nor an unbounded Dispatch queue.
enum RDBlocking {
    /// Calls that block up to a request timeout (30 s by default): metadata, admin, commit,
    /// committed, seek, offset look-ups, the producer's shutdown flush. Eight threads for the
    /// process: enough for its consumers to commit and seek while admin requests run; when all
    /// eight wait on an unreachable broker, further calls wait in the queue (cancellable) instead of
    /// adding threads, and past `queueLimit` they fail with `.unreachable`.
    static let shared = BlockingExecutor(name: "keel-kafka-blocking", threadCount: 8, queueLimit: 1024) { refusal in
        switch refusal.reason {
        case .shutDown: EventLogError(.closed, "the Kafka adapter's blocking executor is shut down")
        case .queueFull: EventLogError(.unreachable, "Kafka calls are not being answered: \(refusal)")
        }
    }

    /// One consumer's own thread, where every poll of its librdkafka handle runs (and therefore its
    /// rebalance callback, and its close, which can wait for the group to be left). A thread per
    /// consumer, not the shared executor: a poll waits up to its timeout, so consumers sharing
    /// threads would wait behind each other's polls.
    static func consumerThread() -> BlockingExecutor {
        BlockingExecutor(name: "keel-kafka-consumer", threadCount: 1, queueLimit: 1024) { refusal in
            switch refusal.reason {
            case .shutDown: EventLogError(.closed, "the consumer is closed")
            case .queueFull: EventLogError(.unreachable, "the consumer's thread is not keeping up: \(refusal)")
            }
        }
    }
}
