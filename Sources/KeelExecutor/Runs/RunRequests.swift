import Crypto
import Foundation
import KeelCore
import KeelWorkflow

/// What callers (the gateway, the CLI through it, triggers) ask of runs: each request is a command
/// on `keel.workflow.commands`, keyed like the run, so the executor owning the run's partition
/// decides it and records the outcome on `keel.workflow.runs`.
///
/// Thread-safety: immutable; every method may be called from any task.
public struct RunRequests: Sendable {
    public static let commandsTopic = "keel.workflow.commands"
    public static let runsTopic = "keel.workflow.runs"

    public let writer: KeelEventWriter

    public init(writer: KeelEventWriter) { self.writer = writer }

    /// A run id derived from an idempotency key: the same tenant, workflow and key always name the
    /// same run, so a repeated start returns the run the first one started.
    public static func runID(tenant: String, workflowId: String, idempotencyKey: String) -> String {
        let digest = SHA256.hash(data: Data("\(tenant)\u{0}\(workflowId)\u{0}\(idempotencyKey)".utf8))
        return "run-" + digest.prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    public func start(
        tenant: String, runId: String, version: WorkflowVersion, input: JSONValue, trigger: RunTrigger,
        parentRunId: String? = nil, parentStepId: String? = nil, nowMs: Int64
    ) async throws {
        var data: [String: JSONValue] = [
            "runId": .string(runId), "workflowId": .string(version.workflowId), "workflowVersion": .int(Int64(version.version)),
            "definition": version.definition.source, "format": .string(version.definition.format.rawValue), "input": input,
            "trigger": RunCommandWire.triggerJSON(trigger), "tenant": .string(tenant),
        ]
        if let parentRunId { data["parentRunId"] = .string(parentRunId) }
        if let parentStepId { data["parentStepId"] = .string(parentStepId) }
        let event = try writer.event(
            type: RunCommandWire.startType, topic: Self.commandsTopic, tenant: tenant, data: .object(data),
            id: "\(tenant)/\(runId)/start", nowMs: nowMs)
        try await writer.append([event], to: Self.commandsTopic)
    }

    public func control(tenant: String, runId: String, action: RunControl, by: String, reason: String?, nowMs: Int64) async throws {
        var data: [String: JSONValue] = ["runId": .string(runId), "requestedBy": .string(by)]
        if let reason, action == .cancel || action == .terminate { data["reason"] = .string(reason) }
        let event = try writer.event(type: action.commandType, topic: Self.commandsTopic, tenant: tenant, data: .object(data), nowMs: nowMs)
        try await writer.append([event], to: Self.commandsTopic)
    }
}

/// The operator's controls over a run.
public enum RunControl: String, Sendable, Hashable, CaseIterable {
    case cancel, terminate, pause, resume, retry

    public var commandType: String { "keel.workflow.run.\(rawValue)-requested" }
}
