import KeelCore

/// `steps`: one document per step attempt, id `tenant|runId|stepId|attempt` (`|item` appended for
/// a `forEach` element), folded from `keel.workflow.runs`.
///
/// Pure: each event upserts the fields it decides. Fields: `tenant`, `runId`, `stepId`,
/// `attempt`, `item`, `kind` (when the event carries it), `status` (scheduled, completed, failed,
/// skipped), `scheduledAt`, `endedAt`, `durationMs`, `error`, `retryable`, `nextAttempt` (a
/// failed attempt that will be retried), `cached` (a cache hit), `input`/`output` (capped like the
/// `runs` projection's). A skipped step has one document with attempt 0.
public struct StepsProjector: Projector {
    public static let projectionName = "steps"
    public static let collection = "steps"

    public var name: String { Self.projectionName }
    public let topics = [RunsProjector.topic]
    public let collections = [StepsProjector.collection]
    public let version = 1

    public init() {}

    public static func documentID(tenant: String, runId: String, stepId: String, attempt: Int, item: Int?) -> String {
        "\(tenant)|\(runId)|\(stepId)|\(attempt)" + (item.map { "|\($0)" } ?? "")
    }

    public func project(_ event: ProjectedEvent) throws(ProjectionError) -> [DocumentChange] {
        guard event.topic == RunsProjector.topic, let (tenant, run) = RunDocuments.decode(event) else { return [] }
        let stepId: String
        let attempt: Int
        let item: Int?
        var set: [String: DocumentValue] = [:]
        switch run.fact {
        case .stepScheduled(let id, let number, let index, _, let input):
            (stepId, attempt, item) = (id, number, index)
            set["status"] = .string(StepStatus.scheduled.rawValue)
            set["scheduledAt"] = .date(run.timeMs)
            set["input"] = RunDocuments.cap(input)
        case .stepCompleted(let id, let number, let index, let output, let durationMs, let cached):
            (stepId, attempt, item) = (id, number, index)
            set["status"] = .string(StepStatus.completed.rawValue)
            set["output"] = RunDocuments.cap(output)
            set["durationMs"] = .int(durationMs)
            set["cached"] = .bool(cached)
            set["endedAt"] = .date(run.timeMs)
        case .stepFailed(let id, let number, let index, let error, let retryable, let durationMs):
            (stepId, attempt, item) = (id, number, index)
            set["status"] = .string(StepStatus.failed.rawValue)
            set["error"] = RunDocuments.error(error)
            set["retryable"] = .bool(retryable)
            set["durationMs"] = .int(durationMs)
            set["endedAt"] = .date(run.timeMs)
        case .stepRetryScheduled(let id, let index, let nextAttempt, _, _):
            (stepId, attempt, item) = (id, nextAttempt - 1, index)
            set["nextAttempt"] = .int(Int64(nextAttempt))
        case .stepSkipped(let id, let reason):
            (stepId, attempt, item) = (id, 0, nil)
            set["status"] = .string(StepStatus.skipped.rawValue)
            set["reason"] = .string(reason)
            set["endedAt"] = .date(run.timeMs)
        default:
            return []
        }
        if let kind = event.event.jsonData?["kind"]?.stringValue { set["kind"] = .string(kind) }
        var onInsert: [String: DocumentValue] = [
            "tenant": .string(tenant), "runId": .string(run.runId), "stepId": .string(stepId), "attempt": .int(Int64(attempt)),
        ]
        if let item { onInsert["item"] = .int(Int64(item)) }
        let update = DocumentUpdate(set: set, setOnInsert: onInsert, max: ["seq": .int(run.seq)])
        let id = Self.documentID(tenant: tenant, runId: run.runId, stepId: stepId, attempt: attempt, item: item)
        return [DocumentChange(collection: Self.collection, id: id, operation: .upsert(update))]
    }
}
