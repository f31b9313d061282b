import Synchronization

/// Why a live stream ended, as the subscriber is told.
public enum LiveStreamEnd: Sendable, Hashable {
    /// The subscriber fell further behind than its byte budget: it resumes from its last position.
    case slowConsumer
    /// The credential stopped being valid (revoked, expired, its tenant suspended).
    case credentialInvalid(String)
    /// The process is shutting down.
    case shutdown
    /// Reading the log failed.
    case failed(String)
    /// The subscriber went away (its task was cancelled).
    case clientGone
}

/// The messages waiting for one subscriber, bounded in bytes.
///
/// Many producers (the topic's feed, the catch-up reader) offer; exactly one consumer (the task
/// writing to the subscriber's socket) takes. An offer that would take the buffer past
/// `capacityBytes` is refused and ends the stream with `.slowConsumer`, so a subscriber that does
/// not read costs at most its budget. Thread-safe; offers never block.
public final class SubscriberBuffer: Sendable {
    private struct State {
        var messages: [LiveItem] = []
        var head = 0
        var bytes = 0
        var end: LiveStreamEnd?
        var waiter: CheckedContinuation<LiveItem?, Never>?
    }

    public let capacityBytes: Int
    private let state = Mutex(State())

    public init(capacityBytes: Int) {
        self.capacityBytes = capacityBytes
    }

    /// Queues `item`; false when the stream has ended (now or before), e.g. because this item
    /// did not fit.
    @discardableResult
    public func offer(_ item: LiveItem) -> Bool {
        let size = item.byteCount
        let (accepted, resume) = state.withLock { state -> (Bool, CheckedContinuation<LiveItem?, Never>?) in
            guard state.end == nil else { return (false, nil) }
            if let waiter = state.waiter {
                state.waiter = nil
                return (true, waiter)
            }
            // An empty buffer takes one item of any size: a single large event is not "slow".
            if state.bytes + size > capacityBytes, state.messages.count > state.head {
                state.end = .slowConsumer
                return (false, nil)
            }
            state.messages.append(item)
            state.bytes += size
            return (true, nil)
        }
        resume?.resume(returning: item)
        return accepted
    }

    /// Ends the stream: what is queued is still delivered, then `next()` returns nil. The first
    /// reason given is kept.
    public func finish(_ reason: LiveStreamEnd) {
        let waiter = state.withLock { state -> CheckedContinuation<LiveItem?, Never>? in
            if state.end == nil { state.end = reason }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }

    /// Why the stream ended, once it has.
    public var end: LiveStreamEnd? { state.withLock { $0.end } }

    /// Whether it ended because the subscriber fell behind (what is queued is then dropped: the
    /// subscriber resumes from its last position anyway).
    public var overflowed: Bool { end == .slowConsumer }

    /// The next item; nil once the stream has ended and everything queued was taken (or, for a
    /// slow consumer, at once). One consumer only.
    public func next() async -> LiveItem? {
        await withTaskCancellationHandler {
            await take()
        } onCancel: {
            finish(.clientGone)
        }
    }

    private func take() async -> LiveItem? {
        await withCheckedContinuation { continuation in
            let immediate: LiveItem?? = state.withLock { state in
                if state.end == .slowConsumer { return .some(nil) }
                if state.head < state.messages.count {
                    let item = state.messages[state.head]
                    state.head += 1
                    state.bytes -= item.byteCount
                    if state.head == state.messages.count {
                        state.messages.removeAll(keepingCapacity: state.messages.count < 64)
                        state.head = 0
                    } else if state.head >= 1024, state.head * 2 >= state.messages.count {
                        state.messages.removeFirst(state.head)
                        state.head = 0
                    }
                    return .some(item)
                }
                if state.end != nil { return .some(nil) }
                state.waiter = continuation
                return .none
            }
            if case .some(let item) = immediate { continuation.resume(returning: item) }
        }
    }
}

extension LiveItem {
    /// What the item costs a subscriber's budget.
    var byteCount: Int {
        switch self {
        case .event(let message): message.json.count + 64
        case .heartbeat, .joined: 16
        }
    }
}
