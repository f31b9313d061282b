import KeelCore

/// A run as its events leave it: the value `evolve` folds the run's history into.
///
/// Pure and total: applying the same events in the same order always gives the same state, and an
/// event out of sequence leaves the state unchanged.
public struct RunState: Sendable, Hashable {
    public var runId: String
    public var start: RunStart
    public var definition: WorkflowDefinition
    public var status: RunStatus
    public var seq: Int64
    public var startedAtMs: Int64
    public var endedAtMs: Int64?
    public var updatedAtMs: Int64
    public var steps: [String: StepState]
    /// Times each jumping step's jump was taken (the `maxIterations` guard).
    public var jumpsTaken: [String: Int]
    public var output: JSONValue?
    public var error: StepError?
    /// Timers the run waits for, by id: what each is for.
    public var timers: [String: PendingTimer]

    public struct PendingTimer: Sendable, Hashable {
        public var stepId: String?
        public var item: Int?
        public var purpose: TimerPurpose
        public var fireAtMs: Int64
    }

    public var params: JSONValue { start.params }
    public var tenant: String { start.tenant }
    public var isTerminal: Bool { status.isTerminal }
}

public enum RunStatus: String, Sendable, Hashable {
    case running
    case paused
    /// A step failed for good and the workflow's policy is `pause`: resume or retry later.
    case failedWaiting = "failed-waiting"
    case completed, failed, cancelled, terminated

    public var isTerminal: Bool { [.completed, .failed, .cancelled, .terminated].contains(self) }
}

/// One step's progress in the current iteration.
public struct StepState: Sendable, Hashable {
    public var status: StepStatus
    public var attempt: Int
    /// 1 for the first pass; a backward jump re-runs steps with the next iteration.
    public var iteration: Int
    public var input: JSONValue?
    public var output: JSONValue?
    public var error: StepError?
    public var scheduledAtMs: Int64?
    public var durationMs: Int64?
    public var cached: Bool
    /// For `forEach` steps: the elements' states, by index.
    public var items: [Int: ItemState]
    public var itemCount: Int?
    /// Attempts before a resume/retry reset the step: attempt numbers keep rising across resumes,
    /// so an idempotency key is never reused for a new effect.
    public var attemptBase: Int

    public init(iteration: Int = 1, attemptBase: Int = 0) {
        self.status = .pending
        self.attempt = 0
        self.iteration = iteration
        self.cached = false
        self.items = [:]
        self.attemptBase = attemptBase
    }

    public struct ItemState: Sendable, Hashable {
        public var status: StepStatus
        public var attempt: Int
        public var input: JSONValue?
        public var output: JSONValue?
        public var error: StepError?
    }

    public var isFinished: Bool { status == .completed || status == .skipped }
}

public enum StepStatus: String, Sendable, Hashable {
    case pending, scheduled, retrying, completed, failed, skipped
}
