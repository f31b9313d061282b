import KeelCore

/// One fact in a run's life, as recorded on `keel.workflow.runs` (keyed `tenant/runId`).
///
/// `seq` numbers a run's events 1, 2, 3… . `RunState.evolve` applies an event only when its `seq` is
/// the next one: a second event with a number already used — a stale owner's write after a
/// rebalance, or a redelivered duplicate — is ignored by every reader, so replay and the live owner
/// agree on one history.
public struct RunEvent: Sendable, Hashable {
    public var runId: String
    public var seq: Int64
    /// Milliseconds since the epoch, from the deciding process's clock.
    public var timeMs: Int64
    public var fact: Fact

    public init(runId: String, seq: Int64, timeMs: Int64, fact: Fact) {
        self.runId = runId
        self.seq = seq
        self.timeMs = timeMs
        self.fact = fact
    }

    public enum Fact: Sendable, Hashable {
        case started(RunStart)
        /// A step attempt is scheduled with its resolved input; for a side-effecting kind this is
        /// the record that the attempt (and its idempotency key) exists before the effect happens.
        case stepScheduled(stepId: String, attempt: Int, item: Int?, itemCount: Int?, input: JSONValue)
        case stepCompleted(stepId: String, attempt: Int, item: Int?, output: JSONValue, durationMs: Int64, cached: Bool)
        case stepFailed(stepId: String, attempt: Int, item: Int?, error: StepError, retryable: Bool, durationMs: Int64)
        case stepRetryScheduled(stepId: String, item: Int?, nextAttempt: Int, delayMs: Int64, timerId: String)
        case stepSkipped(stepId: String, reason: String)
        /// A jump was taken: `to == nil` stops the run (remaining steps skipped); a backward jump
        /// starts iteration `iteration` of the steps from `to` through `from`.
        case jumped(from: String, to: String?, iteration: Int)
        case timerSet(timerId: String, stepId: String?, fireAtMs: Int64, purpose: TimerPurpose)
        case paused(reason: String, stepId: String?, failed: Bool)
        case resumed(by: String, retrying: [String])
        case completed(output: JSONValue, durationMs: Int64)
        case failed(error: StepError, stepId: String?)
        case cancelled(reason: String, by: String)
        case terminated(reason: String, by: String)
    }
}

/// How a run began.
public struct RunStart: Sendable, Hashable {
    public var workflowId: String
    public var workflowVersion: Int
    /// The pinned definition's source document (parsed again with the same result on every read).
    public var definition: JSONValue
    public var format: WorkflowDefinition.Format
    public var params: JSONValue
    public var trigger: RunTrigger
    public var parentRunId: String?
    public var parentStepId: String?
    public var tenant: String

    public init(
        workflowId: String, workflowVersion: Int, definition: JSONValue, format: WorkflowDefinition.Format, params: JSONValue,
        trigger: RunTrigger, parentRunId: String? = nil, parentStepId: String? = nil, tenant: String
    ) {
        self.workflowId = workflowId
        self.workflowVersion = workflowVersion
        self.definition = definition
        self.format = format
        self.params = params
        self.trigger = trigger
        self.parentRunId = parentRunId
        self.parentStepId = parentStepId
        self.tenant = tenant
    }
}

public struct RunTrigger: Sendable, Hashable {
    /// manual, api, schedule, event, workflow, startup, linq
    public var kind: String
    public var id: String?

    public init(kind: String, id: String? = nil) {
        self.kind = kind
        self.id = id
    }
}

/// Why a step attempt failed: a stable code (`http-503`, `timeout`, `template`…) and a message.
public struct StepError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: String
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}

public enum TimerPurpose: String, Sendable, Hashable {
    case sleep, retry, deadline, timeout
}
