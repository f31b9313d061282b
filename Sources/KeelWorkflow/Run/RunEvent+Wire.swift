import KeelCore

/// How run events travel as CloudEvents on `keel.workflow.runs`: the type names a fact, the data
/// holds `runId`, `seq` and the fact's fields (docs/workflows.md lists them).
extension RunEvent {
    public static let typePrefix = "keel.workflow."

    public var type: String {
        switch fact {
        case .started: "keel.workflow.run.started"
        case .stepScheduled: "keel.workflow.step.scheduled"
        case .stepCompleted: "keel.workflow.step.completed"
        case .stepFailed: "keel.workflow.step.failed"
        case .stepRetryScheduled: "keel.workflow.step.retried"
        case .stepSkipped: "keel.workflow.step.skipped"
        case .jumped: "keel.workflow.step.jumped"
        case .timerSet: "keel.workflow.timer.set"
        case .paused: "keel.workflow.run.paused"
        case .resumed: "keel.workflow.run.resumed"
        case .completed: "keel.workflow.run.completed"
        case .failed: "keel.workflow.run.failed"
        case .cancelled: "keel.workflow.run.cancelled"
        case .terminated: "keel.workflow.run.terminated"
        }
    }

    public var data: JSONValue {
        var members: [String: JSONValue] = ["runId": .string(runId), "seq": .int(seq), "at": .int(timeMs)]
        func put(_ key: String, _ value: JSONValue?) { if let value { members[key] = value } }
        func int(_ value: Int?) -> JSONValue? { value.map { .int(Int64($0)) } }
        switch fact {
        case .started(let start):
            put("workflowId", .string(start.workflowId))
            put("workflowVersion", int(start.workflowVersion))
            put("definition", start.definition)
            put("format", .string(start.format.rawValue))
            put("input", start.params)
            put("trigger", .object(["kind": .string(start.trigger.kind)].merging(start.trigger.id.map { ["id": .string($0)] } ?? [:]) { $1 }))
            put("parentRunId", start.parentRunId.map(JSONValue.string))
            put("parentStepId", start.parentStepId.map(JSONValue.string))
            put("tenant", .string(start.tenant))
        case .stepScheduled(let stepId, let attempt, let item, let itemCount, let input):
            put("stepId", .string(stepId))
            put("attempt", int(attempt))
            put("item", int(item))
            put("itemCount", int(itemCount))
            put("input", input)
        case .stepCompleted(let stepId, let attempt, let item, let output, let durationMs, let cached):
            put("stepId", .string(stepId))
            put("attempt", int(attempt))
            put("item", int(item))
            put("result", output)
            put("durationMs", .int(durationMs))
            if cached { put("cached", .bool(true)) }
        case .stepFailed(let stepId, let attempt, let item, let error, let retryable, let durationMs):
            put("stepId", .string(stepId))
            put("attempt", int(attempt))
            put("item", int(item))
            put("error", error.json)
            put("retryable", .bool(retryable))
            put("durationMs", .int(durationMs))
        case .stepRetryScheduled(let stepId, let item, let nextAttempt, let delayMs, let timerId):
            put("stepId", .string(stepId))
            put("item", int(item))
            put("nextAttempt", int(nextAttempt))
            put("delayMs", .int(delayMs))
            put("timerId", .string(timerId))
        case .stepSkipped(let stepId, let reason):
            put("stepId", .string(stepId))
            put("reason", .string(reason))
        case .jumped(let from, let to, let iteration):
            put("stepId", .string(from))
            put("to", to.map(JSONValue.string) ?? .null)
            put("iteration", int(iteration))
        case .timerSet(let timerId, let stepId, let fireAtMs, let purpose):
            put("timerId", .string(timerId))
            put("stepId", stepId.map(JSONValue.string))
            put("fireAt", .string(RFC3339.format(milliseconds: fireAtMs)))
            put("fireAtMs", .int(fireAtMs))
            put("purpose", .string(purpose.rawValue))
        case .paused(let reason, let stepId, let failed):
            put("reason", .string(reason))
            put("stepId", stepId.map(JSONValue.string))
            put("failed", .bool(failed))
        case .resumed(let by, let retrying):
            put("by", .string(by))
            put("retrying", .array(retrying.map(JSONValue.string)))
        case .completed(let output, let durationMs):
            put("output", output)
            put("durationMs", .int(durationMs))
        case .failed(let error, let stepId):
            put("error", error.json)
            put("stepId", stepId.map(JSONValue.string))
        case .cancelled(let reason, let by), .terminated(let reason, let by):
            put("reason", .string(reason))
            put("by", .string(by))
        }
        return .object(members)
    }

    /// Reads an event back; `nil` for a type or shape this version does not know.
    public init?(type: String, data: JSONValue) {
        guard let runId = data["runId"]?.stringValue, let seq = data["seq"]?.intValue else { return nil }
        let at = data["at"]?.intValue ?? 0
        let stepId = data["stepId"]?.stringValue
        let attempt = data["attempt"]?.intValue.map(Int.init)
        let item = data["item"]?.intValue.map(Int.init)
        let fact: Fact
        switch type {
        case "keel.workflow.run.started":
            guard let workflowId = data["workflowId"]?.stringValue, let version = data["workflowVersion"]?.intValue,
                let definition = data["definition"], let tenant = data["tenant"]?.stringValue
            else { return nil }
            let trigger = RunTrigger(kind: data["trigger"]?["kind"]?.stringValue ?? "api", id: data["trigger"]?["id"]?.stringValue)
            fact = .started(
                RunStart(
                    workflowId: workflowId, workflowVersion: Int(version), definition: definition,
                    format: data["format"]?.stringValue.flatMap(WorkflowDefinition.Format.init(rawValue:)) ?? .keel,
                    params: data["input"] ?? .object([:]), trigger: trigger, parentRunId: data["parentRunId"]?.stringValue,
                    parentStepId: data["parentStepId"]?.stringValue, tenant: tenant))
        case "keel.workflow.step.scheduled":
            guard let stepId, let attempt else { return nil }
            fact = .stepScheduled(
                stepId: stepId, attempt: attempt, item: item, itemCount: data["itemCount"]?.intValue.map(Int.init), input: data["input"] ?? .null)
        case "keel.workflow.step.completed":
            guard let stepId, let attempt else { return nil }
            fact = .stepCompleted(
                stepId: stepId, attempt: attempt, item: item, output: data["result"] ?? .null, durationMs: data["durationMs"]?.intValue ?? 0,
                cached: data["cached"]?.boolValue ?? false)
        case "keel.workflow.step.failed":
            guard let stepId, let attempt, let error = StepError(json: data["error"]) else { return nil }
            fact = .stepFailed(
                stepId: stepId, attempt: attempt, item: item, error: error, retryable: data["retryable"]?.boolValue ?? false,
                durationMs: data["durationMs"]?.intValue ?? 0)
        case "keel.workflow.step.retried":
            guard let stepId, let next = data["nextAttempt"]?.intValue, let timerId = data["timerId"]?.stringValue else { return nil }
            fact = .stepRetryScheduled(stepId: stepId, item: item, nextAttempt: Int(next), delayMs: data["delayMs"]?.intValue ?? 0, timerId: timerId)
        case "keel.workflow.step.skipped":
            guard let stepId else { return nil }
            fact = .stepSkipped(stepId: stepId, reason: data["reason"]?.stringValue ?? "")
        case "keel.workflow.step.jumped":
            guard let stepId else { return nil }
            fact = .jumped(from: stepId, to: data["to"]?.stringValue, iteration: Int(data["iteration"]?.intValue ?? 0))
        case "keel.workflow.timer.set":
            guard let timerId = data["timerId"]?.stringValue, let fireAt = data["fireAtMs"]?.intValue,
                let purpose = data["purpose"]?.stringValue.flatMap(TimerPurpose.init(rawValue:))
            else { return nil }
            fact = .timerSet(timerId: timerId, stepId: stepId, fireAtMs: fireAt, purpose: purpose)
        case "keel.workflow.run.paused":
            fact = .paused(reason: data["reason"]?.stringValue ?? "", stepId: stepId, failed: data["failed"]?.boolValue ?? false)
        case "keel.workflow.run.resumed":
            fact = .resumed(by: data["by"]?.stringValue ?? "", retrying: data["retrying"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        case "keel.workflow.run.completed":
            fact = .completed(output: data["output"] ?? .null, durationMs: data["durationMs"]?.intValue ?? 0)
        case "keel.workflow.run.failed":
            guard let error = StepError(json: data["error"]) else { return nil }
            fact = .failed(error: error, stepId: stepId)
        case "keel.workflow.run.cancelled":
            fact = .cancelled(reason: data["reason"]?.stringValue ?? "", by: data["by"]?.stringValue ?? "")
        case "keel.workflow.run.terminated":
            fact = .terminated(reason: data["reason"]?.stringValue ?? "", by: data["by"]?.stringValue ?? "")
        default:
            return nil
        }
        self.init(runId: runId, seq: seq, timeMs: at, fact: fact)
    }
}

extension StepError {
    public var json: JSONValue { .object(["code": .string(code), "message": .string(message)]) }

    public init?(json: JSONValue?) {
        guard let code = json?["code"]?.stringValue, let message = json?["message"]?.stringValue else { return nil }
        self.init(code: code, message: message)
    }
}
