import KeelCore
import KeelWorkflow

/// One attempt of a side-effecting step, as the executor hands it to the step kind's runner.
public struct StepAttempt: Sendable, Hashable {
    public var tenant: String
    public var runId: String
    public var stepId: String
    public var attempt: Int
    public var item: Int?
    public var kind: String
    /// The step's fields with templates rendered (for forEach elements: `{"item", "input"}`).
    public var input: JSONValue
    /// Per-attempt start-to-close bound, if the step sets one.
    public var timeoutMs: Int64?

    /// The same for every execution of this attempt (also after a crash), different for every
    /// attempt: what an `http` step sends as `Idempotency-Key`, and an `emit` step's event id.
    public var idempotencyKey: String {
        "\(runId)/\(stepId)/\(attempt)" + (item.map { "/\($0)" } ?? "")
    }

    /// The step's own fields (unwrapping a forEach element's).
    public var fields: JSONValue { item == nil ? input : (input["input"] ?? .null) }
}

/// Why an attempt failed, and whether another attempt could succeed.
public struct StepFailure: Error, Sendable, Hashable {
    public var error: StepError
    public var retryable: Bool

    public init(code: String, message: String, retryable: Bool) {
        self.error = StepError(code: code, message: message)
        self.retryable = retryable
    }
}

/// Runs one step kind's attempts. Implementations must honour task cancellation (a cancelled run
/// cancels its in-flight attempts) and may be called concurrently.
public protocol StepRunner: Sendable {
    var kind: String { get }
    func run(_ attempt: StepAttempt) async throws(StepFailure) -> JSONValue
}

/// The runners the executor knows, by kind: the execution half of the step-kind registry
/// (`KeelWorkflow.StepKinds` is the registration half).
public struct StepRunners: Sendable {
    var runners: [String: any StepRunner]

    public init(_ runners: [any StepRunner]) {
        self.runners = Dictionary(runners.map { ($0.kind, $0) }, uniquingKeysWith: { _, last in last })
    }

    public subscript(kind: String) -> (any StepRunner)? { runners[kind] }
}
