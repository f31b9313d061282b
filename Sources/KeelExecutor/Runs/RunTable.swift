import KeelCore
import KeelWorkflow
import Synchronization

/// The runs this executor owns, each with a mailbox: inputs for a run are decided one at a time,
/// in arrival order, while different runs are decided concurrently.
///
/// A state machine under one lock: `enqueue` and `finished` return what the caller must do (start
/// a worker for the run, or nothing); the work itself happens outside the lock.
final class RunTable: Sendable {
    struct Pending: Sendable {
        var input: RunCommandWire.Input
        /// The command record this input came from, to commit once it is decided.
        var source: CommandPosition?
    }

    struct CommandPosition: Sendable, Hashable {
        var partition: Int32
        var offset: Int64
    }

    struct Slot {
        var state: RunState?
        var partition: Int32
        var queue: [Pending] = []
        var busy = false
    }

    private let slots = Mutex<[String: Slot]>([:])

    /// Adds an input; returns the batch to decide now when no worker is running for the run.
    func enqueue(_ key: String, partition: Int32, _ pending: Pending) -> [Pending]? {
        slots.withLock { slots in
            var slot = slots[key] ?? Slot(state: nil, partition: partition)
            slot.queue.append(pending)
            defer { slots[key] = slot }
            guard !slot.busy else { return nil }
            slot.busy = true
            let batch = slot.queue
            slot.queue = []
            return batch
        }
    }

    func state(_ key: String) -> RunState? { slots.withLock { $0[key]?.state } }

    /// Stores the run's new state and returns the inputs that arrived meanwhile (the worker goes on
    /// with them), or `nil` when the run is idle again.
    func finished(_ key: String, state: RunState?) -> [Pending]? {
        slots.withLock { slots in
            guard var slot = slots[key] else { return nil }
            slot.state = state
            defer { slots[key] = slot }
            guard !slot.queue.isEmpty else {
                slot.busy = false
                return nil
            }
            let batch = slot.queue
            slot.queue = []
            return batch
        }
    }

    /// Installs recovered runs of a newly owned partition.
    func install(_ states: [String: RunState], partition: Int32) {
        slots.withLock { slots in
            for (key, state) in states { slots[key] = Slot(state: state, partition: partition) }
        }
    }

    /// Forgets the runs of partitions no longer owned; returns their keys.
    @discardableResult
    func drop(partitions: Set<Int32>) -> [String] {
        slots.withLock { slots in
            let keys = slots.filter { partitions.contains($0.value.partition) }.map(\.key)
            for key in keys { slots[key] = nil }
            return keys
        }
    }

    var count: Int { slots.withLock { $0.count } }
}

/// Which command offsets may be committed: the lowest one still being decided, per partition.
struct CommitTracker {
    var pending: [Int32: Set<Int64>] = [:]
    var seen: [Int32: Int64] = [:]

    mutating func received(_ position: RunTable.CommandPosition) {
        pending[position.partition, default: []].insert(position.offset)
        seen[position.partition] = max(seen[position.partition] ?? -1, position.offset)
    }

    mutating func decided(_ position: RunTable.CommandPosition) {
        pending[position.partition]?.remove(position.offset)
    }

    /// Next offset to read per partition: everything below it has been decided.
    func committable() -> [Int32: Int64] {
        var result: [Int32: Int64] = [:]
        for (partition, last) in seen {
            result[partition] = pending[partition]?.min() ?? (last + 1)
        }
        return result
    }

    mutating func forget(_ partitions: Set<Int32>) {
        for partition in partitions {
            pending[partition] = nil
            seen[partition] = nil
        }
    }
}
