import Foundation
import KeelCore
import KeelLog
import KeelStore
import Synchronization

/// Remembers which (tenant, source, id) events were accepted, so a retried event is not appended
/// twice within the dedupe window.
///
/// Two tiers: this instance's recent acceptances (in memory, bounded) and the `dedupe`
/// projection (one document per accepted event, first occurrence wins), which survives restarts
/// and is shared by every gateway instance once the projector has applied the event. Within one
/// instance concurrent requests for the same event are serialised: the second waits for the
/// first's outcome. Across instances the window between produce and projection (the projector's
/// lag, normally well under a second) is not covered.
public final class DedupeIndex: Sendable {
    public struct Key: Sendable, Hashable {
        public var tenant: String
        public var source: String
        public var id: String

        public init(tenant: String, source: String, id: String) {
            self.tenant = tenant
            self.source = source
            self.id = id
        }

        var documentID: String { IngestDedupeProjector.documentID(tenant: tenant, source: source, id: id) }
    }

    /// What `claim` found for one key.
    public enum Claim: Sendable, Hashable {
        /// Not seen: the caller must `complete` or `abandon` it.
        case claimed
        /// Accepted before, at these coordinates.
        case duplicate(RecordCoordinates)
    }

    enum Entry {
        case pending([CheckedContinuation<Void, Never>])
        case accepted(RecordCoordinates, acceptedAtMs: Int64)
    }

    struct State {
        var entries: [Key: Entry] = [:]
        /// Accepted keys in acceptance order, for eviction.
        var order: [Key] = []
        var orderStart = 0
    }

    let store: (any ProjectionStore)?
    public let windowMs: Int64
    let capacity: Int
    private let state = Mutex(State())

    public init(store: (any ProjectionStore)?, window: Duration, capacity: Int = 500_000) {
        self.store = store
        self.windowMs = window.components.seconds * 1000
        self.capacity = capacity
    }

    /// Claims each key, or reports where it was accepted before. Waits for other requests of
    /// this instance that hold a claim on the same key.
    public func claim(_ keys: [Key], nowMs: Int64) async throws -> [Claim] {
        var results = [Claim?](repeating: nil, count: keys.count)
        var unresolved = Array(keys.indices)
        while !unresolved.isEmpty {
            var waitFor: [Int] = []
            var lookUp: [Int] = []
            state.withLock { state in
                for index in unresolved {
                    switch state.entries[keys[index]] {
                    case .accepted(let coordinates, let acceptedAt)? where acceptedAt >= nowMs - windowMs:
                        results[index] = .duplicate(coordinates)
                    case .pending?:
                        waitFor.append(index)
                    default:
                        state.entries[keys[index]] = .pending([])
                        lookUp.append(index)
                    }
                }
            }
            if !lookUp.isEmpty {
                let found: [String: RecordCoordinates]
                do {
                    found = try await lookUpStore(lookUp.map { keys[$0] }, nowMs: nowMs)
                } catch {
                    for index in lookUp { abandon(keys[index]) }
                    throw error
                }
                for index in lookUp {
                    if let coordinates = found[keys[index].documentID] {
                        complete(keys[index], at: coordinates, acceptedAtMs: coordinates.timestampMs)
                        results[index] = .duplicate(coordinates)
                    } else {
                        results[index] = .claimed
                    }
                }
            }
            for index in waitFor { await waitUntilSettled(keys[index]) }
            unresolved = waitFor
        }
        return results.map { $0! }
    }

    /// Records an accepted event and wakes requests waiting on it.
    public func complete(_ key: Key, at coordinates: RecordCoordinates, acceptedAtMs: Int64) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            var waiters: [CheckedContinuation<Void, Never>] = []
            if case .pending(let pending)? = state.entries[key] { waiters = pending }
            state.entries[key] = .accepted(coordinates, acceptedAtMs: acceptedAtMs)
            state.order.append(key)
            evict(&state)
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Gives a claim up (the produce failed): a waiting request may claim it next.
    public func abandon(_ key: Key) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard case .pending(let pending)? = state.entries[key] else { return [] }
            state.entries[key] = nil
            return pending
        }
        for waiter in waiters { waiter.resume() }
    }

    private func waitUntilSettled(_ key: Key) async {
        await withCheckedContinuation { continuation in
            let settled = state.withLock { state -> Bool in
                guard case .pending(var waiters)? = state.entries[key] else { return true }
                waiters.append(continuation)
                state.entries[key] = .pending(waiters)
                return false
            }
            if settled { continuation.resume() }
        }
    }

    private func evict(_ state: inout State) {
        while state.order.count - state.orderStart > capacity {
            let oldest = state.order[state.orderStart]
            state.orderStart += 1
            if case .accepted? = state.entries[oldest] { state.entries[oldest] = nil }
        }
        if state.orderStart > 4096, state.orderStart * 2 > state.order.count {
            state.order.removeFirst(state.orderStart)
            state.orderStart = 0
        }
    }

    /// Reads the keys' dedupe documents by id in one store call: a filtered query would scan the
    /// collection on stores without secondary indexes (the embedded one).
    private func lookUpStore(_ keys: [Key], nowMs: Int64) async throws -> [String: RecordCoordinates] {
        guard let store else { return [:] }
        let documents = try await store.find(
            .live(IngestDedupeProjector.projectionName), collection: IngestDedupeProjector.collection, ids: keys.map(\.documentID))
        var found: [String: RecordCoordinates] = [:]
        for (id, document) in documents {
            guard let topic = document["topic"]?.stringValue, let partition = document["partition"]?.intValue,
                let offset = document["offset"]?.intValue, let acceptedAt = document["acceptedAt"]?.dateValue,
                acceptedAt >= nowMs - windowMs
            else { continue }
            found[id] = RecordCoordinates(topic: topic, partition: Int32(partition), offset: offset, timestampMs: acceptedAt)
        }
        return found
    }
}
