import KeelCore
import KeelExpressions

/// The run aggregate's decider: given a command and the run's state, the events that record what
/// happens. Pure — no I/O, no clock (the caller passes `nowMs`), deterministic — so it is tested
/// without I/O and the executor is a thin shell around it.
///
/// A decision advances the run by one *wave*: steps whose predecessors are finished are scheduled;
/// a deterministic step (`set`, `transform`) is computed here and recorded as completed, and the
/// steps after it wait for the next wave (`Decision.advanceAgain`), so every step's completion is
/// durable before a step that depends on it starts.
public struct RunDecider: Sendable {
    public var kinds: StepKinds

    public init(kinds: StepKinds = .builtIn) { self.kinds = kinds }

    public enum Command: Sendable, Hashable {
        case start(runId: String, RunStart)
        /// Schedule what became ready (after deterministic completions).
        case advance
        case stepFinished(StepOutcome)
        case timerFired(timerId: String)
        case pause(by: String)
        case resume(by: String)
        case retry(by: String)
        case cancel(reason: String, by: String)
        case terminate(reason: String, by: String)
    }

    /// What an attempt of a side-effecting step produced.
    public struct StepOutcome: Sendable, Hashable {
        public var stepId: String
        public var attempt: Int
        public var item: Int?
        public var result: Result<JSONValue, StepError>
        public var retryable: Bool
        public var durationMs: Int64
        public var cached: Bool

        public init(
            stepId: String, attempt: Int, item: Int? = nil, result: Result<JSONValue, StepError>, retryable: Bool = true,
            durationMs: Int64, cached: Bool = false
        ) {
            self.stepId = stepId
            self.attempt = attempt
            self.item = item
            self.result = result
            self.retryable = retryable
            self.durationMs = durationMs
            self.cached = cached
        }
    }

    public struct Decision: Sendable, Hashable {
        public var events: [RunEvent]
        public var state: RunState?
        /// A deterministic step completed: decide `.advance` once these events are durable.
        public var advanceAgain: Bool
    }

    public func decide(_ command: Command, state: RunState?, nowMs: Int64) throws(RunRejection) -> Decision {
        var builder = DecisionBuilder(state: state, nowMs: nowMs, kinds: kinds)
        switch command {
        case .start(let runId, let start):
            guard state == nil else { throw RunRejection(.exists, "run \(runId) already exists") }
            builder.runId = runId
            builder.emit(.started(start))
            guard builder.state != nil else { throw RunRejection(.invalid, "the run's definition does not parse") }
            if let deadline = builder.state?.definition.deadlineMs {
                builder.emit(.timerSet(timerId: "\(runId)/deadline", stepId: nil, fireAtMs: nowMs + deadline, purpose: .deadline))
            }
            builder.wave()
        case .advance:
            try builder.requireLive()
            builder.wave()
        case .stepFinished(let outcome):
            try builder.requireLive()
            builder.finish(outcome)
            builder.wave()
        case .timerFired(let timerId):
            try builder.requireLive()
            builder.fire(timerId)
            builder.wave()
        case .pause(let by):
            let current = try builder.requireLive()
            guard current.status == .running else { throw RunRejection(.conflict, "run is \(current.status.rawValue), not running") }
            builder.emit(.paused(reason: "paused by \(by)", stepId: nil, failed: false))
        case .resume(let by):
            let current = try builder.requireLive()
            switch current.status {
            case .paused: builder.emit(.resumed(by: by, retrying: []))
            case .failedWaiting: builder.emit(.resumed(by: by, retrying: current.failedSteps))
            default: throw RunRejection(.conflict, "run is \(current.status.rawValue), not paused")
            }
            builder.wave()
        case .retry(let by):
            guard let current = state else { throw RunRejection(.unknown, "no such run") }
            guard current.status == .failed || current.status == .failedWaiting else {
                throw RunRejection(.conflict, "only a failed run can be retried (run is \(current.status.rawValue))")
            }
            builder.emit(.resumed(by: by, retrying: current.failedSteps))
            builder.wave()
        case .cancel(let reason, let by):
            try builder.requireLive()
            builder.emit(.cancelled(reason: reason, by: by))
        case .terminate(let reason, let by):
            try builder.requireLive()
            builder.emit(.terminated(reason: reason, by: by))
        }
        return Decision(events: builder.events, state: builder.state, advanceAgain: builder.advanceAgain)
    }
}

/// Why a command was refused.
public struct RunRejection: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Kind: Sendable, Hashable {
        let name: String
        public static let unknown = Kind(name: "unknown")
        public static let exists = Kind(name: "exists")
        public static let finished = Kind(name: "finished")
        public static let conflict = Kind(name: "conflict")
        public static let invalid = Kind(name: "invalid")
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

extension RunState {
    /// Steps that failed for good (what a resume or retry runs again).
    public var failedSteps: [String] {
        definition.steps.map(\.id).filter { steps[$0]?.status == .failed }
    }
}
