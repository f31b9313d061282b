import KeelCore
import KeelLog

/// The pending timers of the owned partitions, ordered by fire time. A value owned by the timer
/// service's loop (no lock).
struct TimerBook {
    struct Timer: Sendable, Hashable {
        var tenant: String
        var timerId: String
        var fireAtMs: Int64
        var partition: Int32
        var deliverTopic: String
        var deliverType: String
        var deliverData: JSONValue
    }

    var timers: [String: Timer] = [:]
    /// Ids already due or cancelled: a late `scheduled` for them (a re-arm) is ignored.
    var finished: Set<String> = []

    var nextFireAtMs: Int64? { timers.values.map(\.fireAtMs).min() }

    mutating func apply(_ record: ConsumedRecord) {
        guard let event = try? KafkaBinding.decodeStamped(key: record.key, value: record.value, headers: record.headers),
            let tenant = event.tenantid, let data = event.jsonData, let timerId = data["timerId"]?.stringValue
        else { return }
        let id = tenant + "/" + timerId
        switch event.type {
        case TimerService.scheduledType:
            guard !finished.contains(id), let fireAt = data["fireAtMs"]?.intValue, let deliver = data["deliverTo"],
                let topic = deliver["topic"]?.stringValue, let type = deliver["type"]?.stringValue
            else { return }
            timers[id] = Timer(
                tenant: tenant, timerId: timerId, fireAtMs: fireAt, partition: record.partition, deliverTopic: topic, deliverType: type,
                deliverData: deliver["data"] ?? .object([:]))
        case TimerService.dueType, TimerService.cancelledType:
            finished.insert(id)
            timers[id] = nil
        default:
            return
        }
    }

    mutating func add(_ timer: Timer) { timers[timer.tenant + "/" + timer.timerId] = timer }

    mutating func takeDue(nowMs: Int64) -> [Timer] {
        let due = timers.values.filter { $0.fireAtMs <= nowMs }.sorted { $0.fireAtMs < $1.fireAtMs }
        for timer in due {
            let id = timer.tenant + "/" + timer.timerId
            timers[id] = nil
            finished.insert(id)
        }
        return due
    }

    mutating func drop(partitions: Set<Int32>) {
        timers = timers.filter { !partitions.contains($0.value.partition) }
    }
}
