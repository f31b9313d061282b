/// Upcasters for `keel.workflow.runs`.
public enum WorkflowUpcasters {
    public static let all: [Upcaster] = [runStartedV1toV2, runStartedV2toV3]

    /// `keel.workflow.run.started` v2 → v3. v3 only adds optional fields the executor writes
    /// (`seq`, `definition`, `tenant`, `format`, `parentStepId`); a v2 run keeps its data as is —
    /// without a pinned definition it is a record of a run, not one the executor can resume.
    public static let runStartedV2toV3 = Upcaster(type: "keel.workflow.run.started", fromVersion: 2) {
        (data: JSONValue) throws(ProjectionError) -> JSONValue in
        guard case .object = data else { throw ProjectionError(code: "upcast", "data is not a JSON object") }
        return data
    }

    /// `keel.workflow.run.started` v1 → v2. v2 pins the workflow version and records the trigger.
    ///
    /// v1 runs were written before workflow versioning and trigger recording existed, so:
    /// `workflowVersion` becomes 1 (the only version a definition had then) and `trigger` becomes
    /// `{"kind": "api"}` (v1 runs could only be started through the API). Fields already present
    /// are kept as they are; anything else in the data passes through untouched.
    public static let runStartedV1toV2 = Upcaster(type: "keel.workflow.run.started", fromVersion: 1) {
        (data: JSONValue) throws(ProjectionError) -> JSONValue in
        guard case .object(var members) = data else {
            throw ProjectionError(code: "upcast", "data is not a JSON object")
        }
        guard case .string(let runID)? = members["runId"], !runID.isEmpty else {
            throw ProjectionError(code: "upcast", "data.runId is missing or not a non-empty string")
        }
        if members["workflowVersion"] == nil { members["workflowVersion"] = .int(1) }
        if members["trigger"] == nil { members["trigger"] = .object(["kind": .string("api")]) }
        return .object(members)
    }
}
