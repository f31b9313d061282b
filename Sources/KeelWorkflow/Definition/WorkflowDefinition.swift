import KeelCore

/// One immutable version of a workflow: the steps a run executes and the policies it runs under.
///
/// A definition is a value: it is parsed and checked once (`WorkflowDefinition.parse`), stored as
/// its JSON on `keel.workflow.definitions`, and copied into every run's `run.started` event, so a
/// run is pinned to the version it started on and replaying the runs topic never needs the
/// definitions topic.
public struct WorkflowDefinition: Sendable, Hashable {
    public var id: String
    public var name: String
    public var description: String?
    /// What to do when a step has exhausted its retries (or failed with a non-retryable error).
    public var onFailure: FailurePolicy
    /// The whole run's deadline, measured from its start.
    public var deadlineMs: Int64?
    /// The run's output: a template over the run context; `nil` means the last finished step's output.
    public var output: JSONValue?
    /// Parameters every run starts with (Linq's global `query.params`); a run's input overrides them.
    public var defaultParams: [String: JSONValue] = [:]
    public var steps: [StepDefinition]
    /// Where the definition came from: Keel's own format, or a Linq request imported as is.
    public var format: Format
    /// The document as submitted (Keel's JSON or the Linq request): what events carry, so a
    /// definition round-trips exactly and is parsed again, with the same result, wherever it is read.
    public var source: JSONValue

    public enum Format: String, Sendable, Hashable { case keel, linq }

    public init(
        id: String, name: String, description: String? = nil, onFailure: FailurePolicy = .pause,
        deadlineMs: Int64? = nil, output: JSONValue? = nil, steps: [StepDefinition], format: Format = .keel,
        source: JSONValue = .null
    ) {
        self.id = id
        self.name = name
        self.description = description
        self.onFailure = onFailure
        self.deadlineMs = deadlineMs
        self.output = output
        self.steps = steps
        self.format = format
        self.source = source
    }

    /// Steps run one after another in list order unless some step declares `dependsOn`; then every
    /// step without `dependsOn` follows the step before it, and the others wait for their named steps.
    public var isSequential: Bool { steps.allSatisfy { $0.dependsOn == nil } }

    public func step(_ id: String) -> StepDefinition? { steps.first { $0.id == id } }
    public func index(of id: String) -> Int? { steps.firstIndex { $0.id == id } }
}

/// What a run does when a step fails for good.
public enum FailurePolicy: String, Sendable, Hashable {
    /// The run stops in `failed-waiting`: an operator may resume it, or retry it from the failed step.
    case pause
    /// The run ends as `failed`.
    case fail
}

/// One step of a workflow.
public struct StepDefinition: Sendable, Hashable {
    public var id: String
    /// The step kind (`set`, `transform`, `http`, `emit`, `sleep`, `workflow`, or a registered kind).
    public var kind: String
    /// The kind's own fields (everything but the common ones below), templates unresolved.
    public var config: [String: JSONValue]
    public var description: String?
    public var condition: Condition?
    /// `nil`: follows the step before it in list order. `[]`: starts with the run.
    public var dependsOn: [String]?
    public var join: JoinPolicy
    public var jump: Jump?
    public var forEach: ForEach?
    public var retry: RetryPolicy
    public var timeouts: StepTimeouts
    public var cache: CachePolicy?

    public init(
        id: String, kind: String, config: [String: JSONValue] = [:], description: String? = nil,
        condition: Condition? = nil, dependsOn: [String]? = nil, join: JoinPolicy = .failFast, jump: Jump? = nil,
        forEach: ForEach? = nil, retry: RetryPolicy = .none, timeouts: StepTimeouts = StepTimeouts(),
        cache: CachePolicy? = nil
    ) {
        self.id = id
        self.kind = kind
        self.config = config
        self.description = description
        self.condition = condition
        self.dependsOn = dependsOn
        self.join = join
        self.jump = jump
        self.forEach = forEach
        self.retry = retry
        self.timeouts = timeouts
        self.cache = cache
    }
}

/// How a step with several dependencies reacts to a failed one.
public enum JoinPolicy: String, Sendable, Hashable {
    /// A dependency that failed for good fails the run (per its failure policy); nothing else starts.
    case failFast = "fail-fast"
    /// The step waits for every dependency to finish, whatever the outcome, and runs with each one's
    /// status and error in the context (`steps.X.status`, `steps.X.error`): the branch failure is handled.
    case collectAll = "collect-all"
}

/// After the step succeeds: go to another step (`to`), or stop the run (`to == nil`, Linq's target 0).
public struct Jump: Sendable, Hashable {
    public var to: String?
    public var when: Condition?
    /// Required for a backward jump: how many times the jump may be taken in one run.
    public var maxIterations: Int?

    public init(to: String?, when: Condition? = nil, maxIterations: Int? = nil) {
        self.to = to
        self.when = when
        self.maxIterations = maxIterations
    }
}

/// Run the step once per element of a list, at most `concurrency` at a time; the output is the list
/// of the elements' outputs in input order. Each element sees `item` and `index` in the context.
public struct ForEach: Sendable, Hashable {
    public var items: ValueSource
    public var concurrency: Int

    public init(items: ValueSource, concurrency: Int) {
        self.items = items
        self.concurrency = concurrency
    }
}

/// A value computed from the run context: a template (`{{…}}` placeholders) or a JMESPath expression.
public enum ValueSource: Sendable, Hashable {
    case template(Template)
    case expression(String)
}

/// A retry policy, as Temporal's: the delay before attempt n+1 is
/// `min(initialInterval × coefficient^(n-1), maximumInterval)`.
public struct RetryPolicy: Sendable, Hashable {
    public var initialIntervalMs: Int64
    public var backoffCoefficient: Double
    public var maximumIntervalMs: Int64
    public var maximumAttempts: Int
    /// Error codes (`http-404`, `template`, …) that are never retried.
    public var nonRetryable: Set<String>

    public init(
        initialIntervalMs: Int64 = 1000, backoffCoefficient: Double = 2, maximumIntervalMs: Int64 = 60_000,
        maximumAttempts: Int = 3, nonRetryable: Set<String> = []
    ) {
        self.initialIntervalMs = initialIntervalMs
        self.backoffCoefficient = backoffCoefficient
        self.maximumIntervalMs = maximumIntervalMs
        self.maximumAttempts = maximumAttempts
        self.nonRetryable = nonRetryable
    }

    /// One attempt, no retry.
    public static let none = RetryPolicy(maximumAttempts: 1)

    /// The delay before `attempt + 1`, after `attempt` failed.
    public func delayMs(afterAttempt attempt: Int) -> Int64 {
        let factor = pow(backoffCoefficient, Double(max(0, attempt - 1)))
        let raw = Double(initialIntervalMs) * factor
        guard raw.isFinite, raw < Double(maximumIntervalMs) else { return maximumIntervalMs }
        return Int64(raw)
    }
}

public struct StepTimeouts: Sendable, Hashable {
    /// From scheduling to the attempt starting (queued behind concurrency limits).
    public var scheduleToStartMs: Int64?
    /// One attempt's own duration; past it the attempt fails with `timeout` (retryable).
    public var startToCloseMs: Int64?

    public init(scheduleToStartMs: Int64? = nil, startToCloseMs: Int64? = nil) {
        self.scheduleToStartMs = scheduleToStartMs
        self.startToCloseMs = startToCloseMs
    }
}

/// Step result caching (Linq's `cacheConfig`): a completed result is reused by any run of the tenant
/// whose step resolves the same key within `ttlMs`; the hit is recorded in the run.
public struct CachePolicy: Sendable, Hashable {
    public var key: Template?
    public var ttlMs: Int64

    public init(key: Template?, ttlMs: Int64) {
        self.key = key
        self.ttlMs = ttlMs
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
