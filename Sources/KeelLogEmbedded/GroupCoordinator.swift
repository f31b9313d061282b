import KeelLog
import Synchronization

/// The in-process group coordinator: members of one group id split the partitions of their
/// topics (Kafka's range assignor, members in join order).
///
/// A rebalance moves a partition in two steps, so that no two members ever read it at once:
/// the old owner is sent `.revoked`, and only when it acknowledges (by polling again, or by
/// closing) — or when `rebalanceTimeout` passes — is the partition sent to its new owner as
/// `.assigned`. A new member's first `.assigned` waits until all its partitions are free, as a
/// Kafka join waits for the rebalance to complete.
final class GroupCoordinator: Sendable {
    private struct Member {
        var topics: [String]
        var owned: Set<TopicPartition> = []
        var revoking: Set<TopicPartition> = []
        var revokeQueuedAt: ContinuousClock.Instant?
        var revokeDelivered = false
        var pending: [ConsumerEvent] = []
        var joined = false  // first `.assigned` queued
    }

    private struct Group {
        var order: [UInt64] = []
        var members: [UInt64: Member] = [:]
    }

    private struct State {
        var groups: [String: Group] = [:]
        var partitionCounts: [String: Int32] = [:]
        var nextMember: UInt64 = 0
    }

    private let state = Mutex(State())
    private let notifier: ChangeNotifier
    private let rebalanceTimeout: Duration

    init(notifier: ChangeNotifier, rebalanceTimeout: Duration) {
        self.notifier = notifier
        self.rebalanceTimeout = rebalanceTimeout
    }

    /// Adds a member; `counts` are the partition counts of its topics (missing topics absent).
    func join(group: String, topics: [String], counts: [String: Int32]) -> UInt64 {
        let id = state.withLock { state -> UInt64 in
            state.nextMember += 1
            for (topic, count) in counts { state.partitionCounts[topic] = count }
            var groupState = state.groups[group] ?? Group()
            groupState.order.append(state.nextMember)
            groupState.members[state.nextMember] = Member(topics: topics)
            state.groups[group] = groupState
            Self.reconcile(&state, group, now: .now, timeout: rebalanceTimeout)
            return state.nextMember
        }
        notifier.bump()
        return id
    }

    func leave(group: String, member: UInt64) {
        state.withLock { state in
            guard var groupState = state.groups[group] else { return }
            groupState.members[member] = nil
            groupState.order.removeAll { $0 == member }
            state.groups[group] = groupState.order.isEmpty ? nil : groupState
            if state.groups[group] != nil { Self.reconcile(&state, group, now: .now, timeout: rebalanceTimeout) }
        }
        notifier.bump()
    }

    /// A topic was created (count) or deleted (nil) in this process: rebalance affected groups.
    func topicChanged(_ topic: String, partitions: Int32?) {
        let changed = state.withLock { state -> Bool in
            state.partitionCounts[topic] = partitions
            var any = false
            for (name, group) in state.groups where group.members.values.contains(where: { $0.topics.contains(topic) }) {
                Self.reconcile(&state, name, now: .now, timeout: rebalanceTimeout)
                any = true
            }
            return any
        }
        if changed { notifier.bump() }
    }

    /// The member's next rebalance event, acknowledging a revocation delivered by an earlier poll.
    func nextEvent(group: String, member: UInt64) -> ConsumerEvent? {
        let (event, wake) = state.withLock { state -> (ConsumerEvent?, Bool) in
            guard var groupState = state.groups[group], var me = groupState.members[member] else { return (nil, false) }
            var wake = false
            if me.revokeDelivered && !me.pending.contains(where: { if case .revoked = $0 { true } else { false } }) {
                me.owned.subtract(me.revoking)
                me.revoking = []
                me.revokeDelivered = false
                me.revokeQueuedAt = nil
                wake = true
            }
            groupState.members[member] = me
            state.groups[group] = groupState
            // Also where another member's acknowledgement is overdue. A settled group (every
            // member joined, no revocation outstanding) has nothing to reconcile: join, leave
            // and topic changes reconcile themselves, and this is called on every poll.
            if wake || groupState.members.values.contains(where: { !$0.joined || !$0.revoking.isEmpty }) {
                Self.reconcile(&state, group, now: .now, timeout: rebalanceTimeout)
            }
            guard var current = state.groups[group]?.members[member], !current.pending.isEmpty else { return (nil, wake) }
            let event = current.pending.removeFirst()
            if case .revoked = event { current.revokeDelivered = true }
            state.groups[group]?.members[member] = current
            return (event, wake)
        }
        if wake { notifier.bump() }
        return event
    }

    private static func reconcile(_ state: inout State, _ name: String, now: ContinuousClock.Instant, timeout: Duration) {
        guard var group = state.groups[name] else { return }
        // Target: range assignment per topic over the members subscribed to it, in join order.
        var target: [UInt64: Set<TopicPartition>] = [:]
        let topics = Set(group.members.values.flatMap(\.topics))
        for topic in topics {
            guard let count = state.partitionCounts[topic], count > 0 else { continue }
            let subscribers = group.order.filter { group.members[$0]?.topics.contains(topic) == true }
            guard !subscribers.isEmpty else { continue }
            let per = Int(count) / subscribers.count
            let extra = Int(count) % subscribers.count
            var next: Int32 = 0
            for (position, member) in subscribers.enumerated() {
                let take = per + (position < extra ? 1 : 0)
                for _ in 0..<take {
                    target[member, default: []].insert(TopicPartition(topic, next))
                    next += 1
                }
            }
        }
        // Revoke what moved away; force overdue acknowledgements.
        for id in group.order {
            guard var member = group.members[id] else { continue }
            let mine = target[id] ?? []
            let moving = member.owned.subtracting(mine).subtracting(member.revoking)
            if !moving.isEmpty {
                member.revoking.formUnion(moving)
                member.pending.append(.revoked(moving.sorted()))
                member.revokeQueuedAt = now
            }
            if let queued = member.revokeQueuedAt, !member.revoking.isEmpty, queued.advanced(by: timeout) <= now {
                member.owned.subtract(member.revoking)
                member.revoking = []
                member.revokeQueuedAt = nil
                member.revokeDelivered = false
            }
            group.members[id] = member
        }
        // Hand out what is free.
        var taken: Set<TopicPartition> = []
        for member in group.members.values { taken.formUnion(member.owned) }
        for id in group.order {
            guard var member = group.members[id] else { continue }
            let wanted = (target[id] ?? []).subtracting(member.owned)
            let free = wanted.subtracting(taken)
            if !member.joined {
                guard free.count == wanted.count else { continue }
                member.joined = true
                member.owned.formUnion(free)
                member.pending.append(.assigned(free.sorted()))
            } else if !free.isEmpty {
                member.owned.formUnion(free)
                member.pending.append(.assigned(free.sorted()))
            }
            taken.formUnion(free)
            group.members[id] = member
        }
        state.groups[name] = group
    }
}
