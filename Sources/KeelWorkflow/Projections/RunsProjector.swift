import KeelCore

/// `runs`: one document per workflow run, id `tenant|runId`, folded from `keel.workflow.runs`.
///
/// Pure: each event becomes one upsert of the fields it decides (`$set`), so the document needs no
/// earlier state: replaying the topic gives the same documents. The run's events share one key,
/// hence one partition, and the runtime applies a partition in offset order, so a later `$set`
/// is always the later fact. `seq` keeps the highest sequence number seen (`$max`).
///
/// Fields: `tenant`, `runId`, `workflowId`, `version`, `status`, `trigger`, `startedAt`,
/// `endedAt`, `durationMs` (when the run ended with one), `steps` (by step id: `kind`, `status`,
/// `attempt`, `durationMs`, `error`, `cached`), `input`/`output` (capped by `RunDocuments.cap`),
/// `error`, `pausedReason`, `parentRunId`, `seq`, `updatedAt`. Events of another topic, or of a
/// type this version does not know, change nothing.
public struct RunsProjector: Projector {
    public static let projectionName = "runs"
    public static let collection = "runs"
    public static let topic = "keel.workflow.runs"

    public var name: String { Self.projectionName }
    public let topics = [RunsProjector.topic]
    public let collections = [RunsProjector.collection]
    public let version = 1

    public init() {}

    public static func documentID(tenant: String, runId: String) -> String { "\(tenant)|\(runId)" }

    public func project(_ event: ProjectedEvent) throws(ProjectionError) -> [DocumentChange] {
        guard event.topic == Self.topic, let (tenant, run) = RunDocuments.decode(event) else { return [] }
        var update = DocumentUpdate(
            setOnInsert: ["tenant": .string(tenant), "runId": .string(run.runId)],
            max: ["seq": .int(run.seq), "updatedAt": .date(run.timeMs)])
        func step(_ id: String, _ field: String, _ value: DocumentValue) {
            update.set["steps.\(RunDocuments.pathKey(id)).\(field)"] = value
        }
        switch run.fact {
        case .started(let start):
            update.set["workflowId"] = .string(start.workflowId)
            update.set["version"] = .int(Int64(start.workflowVersion))
            update.set["status"] = .string(RunStatus.running.rawValue)
            var trigger: [String: DocumentValue] = ["kind": .string(start.trigger.kind)]
            if let id = start.trigger.id { trigger["id"] = .string(id) }
            update.set["trigger"] = .object(trigger)
            update.set["startedAt"] = .date(run.timeMs)
            update.set["input"] = RunDocuments.cap(start.params)
            if let parent = start.parentRunId { update.set["parentRunId"] = .string(parent) }
            if let definition = try? WorkflowDefinition.parse(start.definition, id: start.workflowId) {
                var steps: [String: DocumentValue] = [:]
                for definitionStep in definition.steps {
                    steps[RunDocuments.pathKey(definitionStep.id)] = .object([
                        "kind": .string(definitionStep.kind), "status": .string(StepStatus.pending.rawValue),
                    ])
                }
                update.set["steps"] = .object(steps)
            }
        case .stepScheduled(let id, let attempt, let item, let itemCount, _):
            step(id, "status", .string(StepStatus.scheduled.rawValue))
            if item == nil {
                step(id, "attempt", .int(Int64(attempt)))
                step(id, "scheduledAt", .date(run.timeMs))
            } else if let itemCount {
                step(id, "itemCount", .int(Int64(itemCount)))
            }
        case .stepCompleted(let id, let attempt, let item, _, let durationMs, let cached):
            if item == nil {
                step(id, "status", .string(StepStatus.completed.rawValue))
                step(id, "attempt", .int(Int64(attempt)))
                step(id, "durationMs", .int(durationMs))
                step(id, "cached", .bool(cached))
            } else {
                update.inc["steps.\(RunDocuments.pathKey(id)).itemsCompleted"] = .int(1)
            }
        case .stepFailed(let id, let attempt, let item, let error, _, let durationMs):
            if item == nil {
                step(id, "status", .string(StepStatus.failed.rawValue))
                step(id, "attempt", .int(Int64(attempt)))
                step(id, "durationMs", .int(durationMs))
                step(id, "error", RunDocuments.error(error))
            } else {
                update.inc["steps.\(RunDocuments.pathKey(id)).itemsFailed"] = .int(1)
            }
        case .stepRetryScheduled(let id, let item, _, _, _):
            if item == nil { step(id, "status", .string(StepStatus.retrying.rawValue)) }
        case .stepSkipped(let id, _):
            step(id, "status", .string(StepStatus.skipped.rawValue))
        case .jumped, .timerSet:
            break
        case .paused(let reason, _, let failed):
            update.set["status"] = .string((failed ? RunStatus.failedWaiting : RunStatus.paused).rawValue)
            update.set["pausedReason"] = .string(reason)
        case .resumed:
            update.set["status"] = .string(RunStatus.running.rawValue)
            update.unset.insert("pausedReason")
        case .completed(let output, let durationMs):
            update.set["status"] = .string(RunStatus.completed.rawValue)
            update.set["output"] = RunDocuments.cap(output)
            update.set["durationMs"] = .int(durationMs)
            update.set["endedAt"] = .date(run.timeMs)
        case .failed(let error, let stepId):
            update.set["status"] = .string(RunStatus.failed.rawValue)
            var failure = RunDocuments.error(error)
            if case .object(var members) = failure, let stepId {
                members["stepId"] = .string(stepId)
                failure = .object(members)
            }
            update.set["error"] = failure
            update.set["endedAt"] = .date(run.timeMs)
        case .cancelled(let reason, let by), .terminated(let reason, let by):
            let status: RunStatus = if case .cancelled = run.fact { .cancelled } else { .terminated }
            update.set["status"] = .string(status.rawValue)
            update.set["endedAt"] = .date(run.timeMs)
            update.set["reason"] = .string(reason)
            update.set["endedBy"] = .string(by)
        }
        return [DocumentChange(collection: Self.collection, id: Self.documentID(tenant: tenant, runId: run.runId), operation: .upsert(update))]
    }
}

/// What the `runs` and `steps` projectors share: decoding, size caps, path-safe keys.
public enum RunDocuments {
    /// Inputs and outputs larger than this (serialized JSON bytes) are stored as
    /// `{"truncated": true, "bytes": N}`; the full value stays on the log.
    public static let maximumValueBytes = 16 * 1024

    /// The event's tenant (`-` when it has none: no tenant's read matches it) and the run event.
    static func decode(_ event: ProjectedEvent) -> (String, RunEvent)? {
        guard let data = event.event.jsonData, let run = RunEvent(type: event.event.type, data: data) else { return nil }
        return (event.event.tenantid ?? "-", run)
    }

    /// `value`, or a marker of its size when it exceeds `maximumValueBytes`.
    public static func cap(_ value: JSONValue) -> DocumentValue {
        let bytes = value.serialized().count
        guard bytes > maximumValueBytes else { return DocumentValue(value) }
        return .object(["truncated": .bool(true), "bytes": .int(Int64(bytes))])
    }

    static func error(_ error: StepError) -> DocumentValue {
        .object(["code": .string(error.code), "message": .string(error.message)])
    }

    /// A step id as one segment of a dotted document path (`.` and `$` would split or be refused).
    public static func pathKey(_ id: String) -> String {
        guard id.utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "$") || $0 == UInt8(ascii: "%") }) else { return id }
        return id.replacingAll("%", with: "%25").replacingAll(".", with: "%2E").replacingAll("$", with: "%24")
    }
}

extension String {
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        for character in self { if character == target { result += replacement } else { result.append(character) } }
        return result
    }
}
