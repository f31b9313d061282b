import Foundation
import KeelCore
import KeelLog
import KeelRuntime
import Logging
import ServiceLifecycle
import Synchronization

/// One log reader per topic for all of this instance's live subscribers, fanned out to each
/// subscriber's byte-bounded buffer; the admission limits; and the sweep that ends streams whose
/// credential stopped being valid.
///
/// Guarantees: per partition, a subscriber receives records in offset order with no gap and no
/// duplicate from its start position on (a subscriber that starts in the past catches up with a
/// reader of its own and joins the shared feed only where the two meet, under the hub's lock);
/// every record is decoded once per instance whatever the number of subscribers; a subscriber
/// that falls behind by more than its budget is ended (`.slowConsumer`), never buffered without
/// bound; a stream whose key is revoked or expires, whose tenant is suspended or whose token
/// expires ends within `revalidationInterval`. Thread-safe.
public final class LiveHub: Service, Sendable {
    /// A registered subscriber, as the feed sees it. A class, so fanning a record out to ten
    /// thousand of them copies no struct and touches no shared dictionary storage; it lives in
    /// the hub's state and is read and changed only under the hub's lock.
    final class Subscriber {
        let request: LiveStreamRequest
        /// The partitions it reads (all of the topic's, or the key's one).
        let partitions: [Int32]
        let readsAll: Bool
        /// Partitions where the subscriber's own catch-up read went past the feed: records
        /// below these offsets were delivered already.
        var ahead: [Int32: Int64]
        let buffer: SubscriberBuffer

        init(request: LiveStreamRequest, partitions: [Int32], readsAll: Bool, ahead: [Int32: Int64], buffer: SubscriberBuffer) {
            self.request = request
            self.partitions = partitions
            self.readsAll = readsAll
            self.ahead = ahead
            self.buffer = buffer
        }
    }

    /// The shared reader's state for one topic.
    struct Feed {
        /// Next offset the feed will read, per partition; nil until the reader started.
        var position: [Int32: Int64]?
        var partitionCount: Int32 = 0
        var subscribers: [UInt64: Subscriber] = [:]
        var waiting: [CheckedContinuation<Void, any Error>] = []
    }

    /// An admitted stream's place in the limits; lives in the hub's state, under its lock.
    final class Admitted {
        let principal: Principal
        let credential: String
        let tenant: String
        var topic: String?
        var buffer: SubscriberBuffer?

        init(principal: Principal, credential: String, tenant: String) {
            self.principal = principal
            self.credential = credential
            self.tenant = tenant
        }
    }

    struct State {
        var feeds: [String: Feed] = [:]
        var admitted: [UInt64: Admitted] = [:]
        var counts = StreamCounts()
        var nextID: UInt64 = 0
        var running = true
    }

    let log: any EventLog
    let configuration: SubscriptionConfiguration
    let access: AccessService
    let clock: @Sendable () -> Date
    let logger: Logger
    private let state = Mutex(State())
    private let feedRequests: AsyncStream<String>
    private let feedRequestSink: AsyncStream<String>.Continuation

    public init(
        log: any EventLog, configuration: SubscriptionConfiguration, access: AccessService, clock: @escaping @Sendable () -> Date = Date.init,
        logger: Logger
    ) {
        self.log = log
        self.configuration = configuration
        self.access = access
        self.clock = clock
        self.logger = logger
        (feedRequests, feedRequestSink) = AsyncStream.makeStream(of: String.self)
    }

    // MARK: Admission

    /// A stream slot for `principal` on `tenant`, or a 429 problem naming the limit reached.
    func admit(_ principal: Principal, tenant: String) throws(Problem) -> StreamSlot {
        let credential = principal.subject
        let result = state.withLock { state -> Result<UInt64, Problem> in
            guard state.running else { return .failure(Problem(.unavailable, "the gateway is shutting down")) }
            if let reason = state.counts.admit(credential: credential, tenant: tenant, limits: configuration.limits) {
                return .failure(Problem(.rateLimited, "too many live streams: \(reason); close one first", headers: [.retryAfter: "1"]))
            }
            state.nextID += 1
            state.admitted[state.nextID] = Admitted(principal: principal, credential: credential, tenant: tenant)
            return .success(state.nextID)
        }
        return StreamSlot(hub: self, id: try result.get())
    }

    /// Gives the slot back and unregisters the subscriber (idempotent).
    func release(_ id: UInt64) {
        state.withLock { state in
            guard let admitted = state.admitted.removeValue(forKey: id) else { return }
            state.counts.release(credential: admitted.credential, tenant: admitted.tenant)
            if let topic = admitted.topic { state.feeds[topic]?.subscribers[id] = nil }
        }
    }

    /// The topic's partition count, as its feed reads it (starting the feed if needed), so a
    /// subscription costs no metadata request of its own.
    func partitionCount(of topic: String) async throws -> Int32 {
        try await startFeed(topic)
        guard let count = state.withLock({ $0.feeds[topic]?.partitionCount }) else {
            throw EventLogError(.closed, "the live feed of \(topic) stopped")
        }
        return count
    }

    // MARK: Subscribing

    /// Streams `request` into `buffer` from its start: catches up privately when it starts in the
    /// past, then joins the topic's feed. Returns once joined; the feed delivers from then on.
    /// Throws if the log fails or the hub shuts down before the join.
    func subscribe(_ id: UInt64, _ request: LiveStreamRequest, partitions: [Int32], into buffer: SubscriberBuffer) async throws {
        let topic = request.topic
        state.withLock { $0.admitted[id]?.buffer = buffer }
        try await startFeed(topic)
        var position: [Int32: Int64]
        switch request.start {
        case .latest:
            // Joins where the feed is: nothing to catch up.
            if try join(id, request, partitions: partitions, at: nil, buffer: buffer) { return }
            throw EventLogError(.closed, "the live stream ended before it started")
        case .earliest:
            position = Dictionary(uniqueKeysWithValues: partitions.map { ($0, 0) })
        case .position(let requested):
            position = Dictionary(uniqueKeysWithValues: partitions.map { ($0, requested.offsets[$0] ?? 0) })
        case .timestampMs(let ms):
            let offsets = try await log.offsets(topic: topic, atTimestampMs: ms)
            position = Dictionary(uniqueKeysWithValues: partitions.map { ($0, offsets[$0] ?? 0) })
        }
        let catchUp = CatchUpReader(log: log, request: request, partitions: partitions)
        try await catchUp.run(from: &position, into: buffer) { position in
            try self.join(id, request, partitions: partitions, at: position, buffer: buffer)
        }
    }

    /// Registers the subscriber with the feed if it has caught up with it (`at` nil: wherever
    /// the feed is). Under the lock, so no record is published between the check and the join.
    private func join(_ id: UInt64, _ request: LiveStreamRequest, partitions: [Int32], at position: [Int32: Int64]?, buffer: SubscriberBuffer) throws
        -> Bool
    {
        try state.withLock { state -> Bool in
            guard state.admitted[id] != nil, buffer.end == nil else { throw CancellationError() }
            guard let feedPosition = state.feeds[request.topic]?.position, let count = state.feeds[request.topic]?.partitionCount else {
                return false
            }
            var ahead: [Int32: Int64] = [:]
            if let position {
                for partition in partitions {
                    let mine = position[partition] ?? 0
                    let shared = feedPosition[partition] ?? 0
                    if mine < shared { return false }
                    if mine > shared { ahead[partition] = mine }
                }
            }
            // In place: copying the feed out and back would copy every subscriber's entry.
            state.feeds[request.topic]!.subscribers[id] = Subscriber(
                request: request, partitions: partitions, readsAll: partitions.count == Int(count), ahead: ahead, buffer: buffer)
            state.admitted[id]?.topic = request.topic
            return true
        }
    }

    /// Starts the topic's shared reader if it is not running, and waits until it has a position.
    private func startFeed(_ topic: String) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            enum Next { case ready, wait, start, closed }
            let next = state.withLock { state -> Next in
                guard state.running else { return .closed }
                if let feed = state.feeds[topic] {
                    if feed.position != nil { return .ready }
                    state.feeds[topic]!.waiting.append(continuation)
                    return .wait
                }
                state.feeds[topic] = Feed(waiting: [continuation])
                return .start
            }
            switch next {
            case .ready: continuation.resume()
            case .wait: break
            case .start: feedRequestSink.yield(topic)
            case .closed: continuation.resume(throwing: EventLogError(.closed, "the gateway is shutting down"))
            }
        }
    }

    // MARK: Running

    public func run() async throws {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.sweepCredentials() }
                for await topic in feedRequests {
                    group.addTask { await self.runFeed(topic) }
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.shutDown()
        }
    }

    /// Ends every stream and stops taking new ones; the feeds stop with the service.
    private func shutDown() {
        let (buffers, waiting) = state.withLock { state -> ([SubscriberBuffer], [CheckedContinuation<Void, any Error>]) in
            state.running = false
            let buffers = state.admitted.values.compactMap(\.buffer)
            let waiting = state.feeds.values.flatMap(\.waiting)
            for topic in state.feeds.keys { state.feeds[topic]!.waiting = [] }
            return (buffers, waiting)
        }
        for buffer in buffers { buffer.finish(.shutdown) }
        for continuation in waiting { continuation.resume(throwing: EventLogError(.closed, "the gateway is shutting down")) }
        feedRequestSink.finish()
    }

    /// Reads one topic from its end for as long as the hub runs, publishing every record to the
    /// subscribers whose partitions it is on. A failure ends the topic's streams (subscribers
    /// resume from their last position) and the next subscriber starts the feed again.
    private func runFeed(_ topic: String) async {
        do {
            try await FeedReader(log: log, topic: topic).run(
                started: { position, partitions in
                    let waiting = self.state.withLock { state -> [CheckedContinuation<Void, any Error>] in
                        state.feeds[topic]?.position = position
                        state.feeds[topic]?.partitionCount = partitions
                        defer { state.feeds[topic]?.waiting = [] }
                        return state.feeds[topic]?.waiting ?? []
                    }
                    for continuation in waiting { continuation.resume() }
                },
                publish: { records in self.publish(records, on: topic) })
        } catch is CancellationError {
        } catch let error as EventLogError where error.code == .closed {
        } catch {
            logger.warning("live feed of \(topic) failed: \(error)")
            let (buffers, waiting) = state.withLock { state -> ([SubscriberBuffer], [CheckedContinuation<Void, any Error>]) in
                let feed = state.feeds.removeValue(forKey: topic)
                return (feed?.subscribers.values.map(\.buffer) ?? [], feed?.waiting ?? [])
            }
            for buffer in buffers { buffer.finish(.failed("the log could not be read; resume from your last position")) }
            for continuation in waiting { continuation.resume(throwing: error) }
            return
        }
        let buffers = state.withLock { state in state.feeds.removeValue(forKey: topic)?.subscribers.values.map(\.buffer) ?? [] }
        for buffer in buffers { buffer.finish(.shutdown) }
    }

    /// Hands a batch of one topic's records to its subscribers, in order.
    private func publish(_ records: [FeedRecord], on topic: String) {
        state.withLock { state in
            guard state.feeds[topic]?.position != nil else { return }
            Self.fanOut(records, to: &state.feeds[topic]!)
        }
    }

    /// Ends, within `revalidationInterval`, the streams whose credential no longer holds.
    private func sweepCredentials() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: configuration.revalidationInterval)
            let open = state.withLock { state in state.admitted.map { ($0.key, $0.value.principal, $0.value.buffer) } }
            guard !open.isEmpty else { continue }
            let directory = access.directory
            let now = clock()
            for (id, principal, buffer) in open {
                guard let reason = StreamCredentialCheck.refusal(of: principal, directory: directory, now: now) else { continue }
                logger.notice("live stream of \(principal.subject) ended: \(reason)")
                buffer?.finish(.credentialInvalid(reason))
                state.withLock { state in
                    if let topic = state.admitted[id]?.topic { state.feeds[topic]?.subscribers[id] = nil }
                }
            }
        }
    }

    /// Open streams on this instance (for metrics and tests).
    public var openStreams: Int { state.withLock { $0.counts.total } }

    /// Topics with a running shared reader (for metrics and tests).
    public var feedCount: Int { state.withLock { $0.feeds.count } }
}
