import Foundation
import KeelCore
import KeelLog

/// The events of `keel.deadletter` the runtime writes and reads (schemas: Topics/keel.deadletter.json).
public enum DeadLetterEvents {
    public static let topic = "keel.deadletter"
    public static let deadLettered = "keel.deadletter.event.dead-lettered"
    public static let parked = "keel.deadletter.event.parked"
    public static let redriven = "keel.deadletter.event.redriven"
    public static let skipped = "keel.deadletter.event.skipped"
    public static let redriveRequested = "keel.deadletter.redrive.requested"
    public static let skipRequested = "keel.deadletter.skip.requested"

    /// The `processor` value of a projector's dead letters.
    public static func processor(_ projection: String) -> String { "projector.\(projection)" }

    /// A dead-lettered or parked notice for `entry`, keyed by the original key so notices of one
    /// key stay in order on the dead-letter topic.
    static func notice(for entry: DeadLetterEntry, originalEvent: CloudEvent?) -> OutgoingRecord {
        var data: [String: JSONValue] = [
            "processor": .string(processor(entry.projection)), "originalTopic": .string(entry.topic),
            "originalPartition": .int(Int64(entry.partition)), "originalOffset": .int(entry.offset),
        ]
        if let key = entry.key { data["originalKey"] = .string(key) }
        if let originalEvent { data["originalEvent"] = originalEvent.structured() }
        let type: String
        switch entry.status {
        case .poison:
            type = deadLettered
            let error = entry.error ?? ProjectionError(code: "unknown", "unknown failure")
            data["error"] = .object(["code": .string(error.code), "message": .string(error.message.isEmpty ? "(no message)" : error.message)])
        case .parked:
            type = parked
            data["blockedBy"] = .string(entry.blockedBy ?? entry.id)
        }
        return record(type: type, projection: entry.projection, key: entry.key ?? entry.id, tenant: originalEvent?.tenantid, data: data)
    }

    /// An operator-facing outcome (`redriven` / `skipped`) of an entry.
    static func outcome(_ type: String, entry: DeadLetterEntry, reason: String? = nil) -> OutgoingRecord {
        var data: [String: JSONValue] = [
            "originalTopic": .string(entry.topic), "originalPartition": .int(Int64(entry.partition)),
            "originalOffset": .int(entry.offset),
        ]
        if let key = entry.key { data["originalKey"] = .string(key) }
        if type == redriven { data["redrivenTo"] = .string(processor(entry.projection)) }
        if type == skipped { data["reason"] = .string(reason ?? "skipped by an operator") }
        return record(type: type, projection: entry.projection, key: entry.key ?? entry.id, tenant: nil, data: data)
    }

    /// A redrive request (`entry` nil means every blocked key of the projection).
    public static func redriveRequest(projection: String, entry: String?, by: String? = nil) -> OutgoingRecord {
        var data: [String: JSONValue] = ["projection": .string(projection)]
        if let entry { data["entry"] = .string(entry) } else { data["all"] = .bool(true) }
        if let by { data["by"] = .string(by) }
        return record(type: redriveRequested, projection: projection, key: projection, tenant: nil, data: data)
    }

    /// A skip request for one poison entry.
    public static func skipRequest(projection: String, entry: String, reason: String? = nil, by: String? = nil) -> OutgoingRecord {
        var data: [String: JSONValue] = ["projection": .string(projection), "entry": .string(entry)]
        if let reason { data["reason"] = .string(reason) }
        if let by { data["by"] = .string(by) }
        return record(type: skipRequested, projection: projection, key: projection, tenant: nil, data: data)
    }

    private static func record(type: String, projection: String, key: String, tenant: String?, data: [String: JSONValue]) -> OutgoingRecord {
        let now = Date()
        var event = CloudEvent(
            id: SystemIDs.uuidv7(now: now), source: "keel/projector/\(projection)", type: type, time: now, json: .object(data))
        event.partitionkey = key
        event.dataversion = 1
        if let tenant { event.tenantid = tenant }
        return OutgoingRecord(event)
    }
}

/// An operator's request read from the dead-letter topic.
enum DeadLetterRequest: Sendable, Hashable {
    case redrive(entry: String?)
    case skip(entry: String, reason: String?)

    /// The request for `projection` in `event`, or `nil` when the event is not one (or is for
    /// another projection).
    init?(_ event: CloudEvent, projection: String) {
        guard event.type == DeadLetterEvents.redriveRequested || event.type == DeadLetterEvents.skipRequested,
            let data = event.jsonData, data["projection"]?.stringValue == projection
        else { return nil }
        if event.type == DeadLetterEvents.redriveRequested {
            self = .redrive(entry: data["all"]?.boolValue == true ? nil : data["entry"]?.stringValue)
        } else {
            guard let entry = data["entry"]?.stringValue else { return nil }
            self = .skip(entry: entry, reason: data["reason"]?.stringValue)
        }
    }
}
