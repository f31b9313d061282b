import Foundation
import KeelCore
import KeelRuntime

/// The body of `POST /v1/projections/{name}/replays`: `{"from": …, "to": …}`, both optional,
/// spelled as `keel replay --from/--to` takes them (`from`: `earliest`, an offset or an RFC 3339
/// time; `to`: an offset or a time). Offsets may also be JSON integers. An empty body means
/// `{"from": "earliest"}`.
struct ReplayBody {
    var start: ReplayStart
    var end: ReplayEnd?
    var request: ReplayRequest

    /// Validates everything the replayer would refuse later, so a bad request is a 400 naming
    /// the field and nothing is queued: unknown members, a position of the wrong shape, a
    /// `from` time in the future, a `to` time not after `from`.
    static func parse(_ body: JSONValue, now: Date) throws(Problem) -> ReplayBody {
        try AccessController.rejectUnknownMembers(of: body, allowed: ["from", "to"])
        let fromText = try position(body["from"], field: "from") ?? "earliest"
        guard let start = ReplayStart(fromText) else {
            throw Problem.badRequest("from must be earliest, an offset or an RFC 3339 time, got '\(fromText)'", field: "from")
        }
        let toText = try position(body["to"], field: "to")
        var end: ReplayEnd?
        if let toText {
            guard let parsed = ReplayEnd(toText) else {
                throw Problem.badRequest("to must be an offset or an RFC 3339 time, got '\(toText)'", field: "to")
            }
            end = parsed
        }
        if case .timestampMs(let from) = start, from > RFC3339.milliseconds(of: now) {
            throw Problem.badRequest("from \(fromText) is in the future; nothing was changed", field: "from")
        }
        if case .timestampMs(let from) = start, case .timestampMs(let to)? = end, to <= from {
            throw Problem.badRequest("to must be after from; nothing was changed", field: "to")
        }
        return ReplayBody(start: start, end: end, request: ReplayRequest(from: fromText, to: toText))
    }

    /// A position member as text: a string, or a non-negative integer offset; `nil` when absent.
    private static func position(_ value: JSONValue?, field: String) throws(Problem) -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case .int(let offset)? where offset >= 0: return String(offset)
        default: throw Problem.badRequest("\(field) must be a string (earliest, an offset, an RFC 3339 time) or a non-negative integer", field: field)
        }
    }
}

/// The body of `POST …/deadletters/{entryId}/skip`: `{"reason": "…"}`, optional.
enum SkipBody {
    static let maxReasonLength = 500

    static func reason(_ body: JSONValue) throws(Problem) -> String? {
        try AccessController.rejectUnknownMembers(of: body, allowed: ["reason"])
        switch body["reason"] {
        case nil, .null?: return nil
        case .string(let reason)? where reason.count <= maxReasonLength: return reason.isEmpty ? nil : reason
        case .string?: throw Problem.badRequest("reason is longer than \(maxReasonLength) characters", field: "reason")
        default: throw Problem.badRequest("reason must be a string", field: "reason")
        }
    }
}
