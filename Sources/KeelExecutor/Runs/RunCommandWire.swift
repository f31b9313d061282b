import KeelCore
import KeelWorkflow

/// Reads the commands on `keel.workflow.commands` into the decider's commands.
enum RunCommandWire {
    static let startType = "keel.workflow.run.start-requested"
    static let timerFiredType = "keel.workflow.run.timer-fired"
    static let childFinishedType = "keel.workflow.run.child-finished"

    /// A command for one run: its tenant, its id and what to decide.
    struct Addressed: Sendable {
        var tenant: String
        var runId: String
        var command: Input
    }

    enum Input: Sendable {
        case decide(RunDecider.Command)
        /// A child run ended: the parent's step attempt completes or fails with it.
        case childFinished(stepId: String, attempt: Int, result: Result<JSONValue, StepError>)
    }

    static func triggerJSON(_ trigger: RunTrigger) -> JSONValue {
        var members: [String: JSONValue] = ["kind": .string(trigger.kind)]
        if let id = trigger.id { members["id"] = .string(id) }
        return .object(members)
    }

    static func decode(_ event: CloudEvent) -> Addressed? {
        guard let tenant = event.tenantid, let data = event.jsonData, let runId = data["runId"]?.stringValue else { return nil }
        let by = data["requestedBy"]?.stringValue ?? "unknown"
        let reason = data["reason"]?.stringValue ?? "requested by \(by)"
        let input: Input
        switch event.type {
        case startType:
            guard let workflowId = data["workflowId"]?.stringValue, let version = data["workflowVersion"]?.intValue,
                let definition = data["definition"]
            else { return nil }
            let start = RunStart(
                workflowId: workflowId, workflowVersion: Int(version), definition: definition,
                format: data["format"]?.stringValue.flatMap(WorkflowDefinition.Format.init(rawValue:)) ?? .keel,
                params: data["input"] ?? .object([:]),
                trigger: RunTrigger(kind: data["trigger"]?["kind"]?.stringValue ?? "api", id: data["trigger"]?["id"]?.stringValue),
                parentRunId: data["parentRunId"]?.stringValue, parentStepId: data["parentStepId"]?.stringValue, tenant: tenant)
            input = .decide(.start(runId: runId, start))
        case RunControl.cancel.commandType: input = .decide(.cancel(reason: reason, by: by))
        case RunControl.terminate.commandType: input = .decide(.terminate(reason: reason, by: by))
        case RunControl.pause.commandType: input = .decide(.pause(by: by))
        case RunControl.resume.commandType: input = .decide(.resume(by: by))
        case RunControl.retry.commandType: input = .decide(.retry(by: by))
        case timerFiredType:
            guard let timerId = data["timerId"]?.stringValue else { return nil }
            input = .decide(.timerFired(timerId: timerId))
        case childFinishedType:
            guard let stepId = data["parentStepId"]?.stringValue else { return nil }
            let attempt = Int(data["attempt"]?.intValue ?? 1)
            if data["status"]?.stringValue == "completed" {
                input = .childFinished(stepId: stepId, attempt: attempt, result: .success(data["output"] ?? .null))
            } else {
                let error = StepError(json: data["error"]) ?? StepError(code: "child", message: "child run \(data["status"]?.stringValue ?? "ended")")
                input = .childFinished(stepId: stepId, attempt: attempt, result: .failure(error))
            }
        default:
            return nil
        }
        return Addressed(tenant: tenant, runId: runId, command: input)
    }
}
