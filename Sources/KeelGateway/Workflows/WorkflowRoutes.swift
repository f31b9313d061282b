import HTTPTypes
import KeelCore

/// The workflow and run routes of the contract (registered by `WorkflowController`).
extension GatewayRoutes {
    public static let registerWorkflow = RouteSpec(
        .post, "/v1/workflows", operationID: "registerWorkflow",
        summary:
            "Register a workflow version: Keel's definition format or a Linq request, with an optional changeDescription; 201 with the version. An invalid definition is a 400 problem whose errors[] point at each field.",
        permission: .manageWorkflows, success: .created,
        requestSchema: .object([
            "type": .string("object"),
            "description": .string("A Keel workflow definition (id, name, steps, …) or a Linq request ({link, query}); changeDescription optional."),
        ]),
        links: [
            .init("GetWorkflow", to: "getWorkflow", ["id": "$response.body#/workflowId"]),
            .init("ListWorkflowVersions", to: "listWorkflowVersions", ["id": "$response.body#/workflowId"]),
            .init("StartRun", to: "startRun", ["id": "$response.body#/workflowId"]),
        ])
    public static let listWorkflows = RouteSpec(
        .get, "/v1/workflows", operationID: "listWorkflows", summary: "The tenant's workflows (latest version of each).",
        permission: .query)
    public static let getWorkflow = RouteSpec(
        .get, "/v1/workflows/{id}", operationID: "getWorkflow", summary: "A workflow's latest version.", permission: .query)
    public static let listWorkflowVersions = RouteSpec(
        .get, "/v1/workflows/{id}/versions", operationID: "listWorkflowVersions",
        summary: "Every version of a workflow, oldest first, with change descriptions.", permission: .query)
    public static let rollbackWorkflow = RouteSpec(
        .post, "/v1/workflows/{id}/rollback", operationID: "rollbackWorkflow",
        summary: "Register a new version equal to an old one; 201 with the new version.", permission: .manageWorkflows,
        success: .created,
        requestSchema: workflowSchema(
            required: ["version"], properties: ["version": .object(["type": .string("integer"), "minimum": .int(1)])]))
    public static let deleteWorkflow = RouteSpec(
        .delete, "/v1/workflows/{id}", operationID: "deleteWorkflow",
        summary: "Delete a workflow: running runs finish, new runs are refused; its versions stay listed.",
        permission: .manageWorkflows)
    public static let startRun = RouteSpec(
        .post, "/v1/workflows/{id}/runs", operationID: "startRun",
        summary:
            "Start a run of the workflow's latest (or a given) version; 202 with the run id. The same idempotency key (body or Idempotency-Key header) returns the same run. ?wait=30s (at most 60s) answers 200 with the run when it ends in time.",
        permission: .startRuns, query: [.init("wait", "How long to wait for the run to end: 30s, 1500ms, 1m (at most 60s).")],
        success: .accepted, otherSuccesses: [.ok],
        requestSchema: workflowSchema(
            required: [],
            properties: [
                "input": .object(["type": .string("object")]),
                "idempotencyKey": .object(["type": .string("string"), "minLength": .int(1), "maxLength": .int(200)]),
                "version": .object(["type": .string("integer"), "minimum": .int(1)]),
            ]),
        links: [
            .init("GetRun", to: "getRun", ["id": "$response.body#/runId"]),
            .init("GetRunHistory", to: "getRunHistory", ["id": "$response.body#/runId"]),
        ])
    public static let listRuns = RouteSpec(
        .get, "/v1/runs", operationID: "listRuns", summary: "The tenant's runs, newest first, filtered; cursor pages.",
        permission: .query,
        query: [
            .init("workflow", "Only runs of this workflow."),
            .init(
                "status", "Only runs in this status.",
                schema: .object([
                    "type": .string("string"),
                    "enum": .array(
                        ["running", "paused", "failed-waiting", "completed", "failed", "cancelled", "terminated"].map(JSONValue.string)),
                ])),
            .init("from", "Started at or after (RFC 3339).", schema: dateTime),
            .init("to", "Started before (RFC 3339).", schema: dateTime),
            .init("limit", "1…1000 (default 100).", schema: pageLimit), .init("cursor", "nextCursor of the previous page."),
        ])
    public static let getRun = RouteSpec(
        .get, "/v1/runs/{id}", operationID: "getRun",
        summary: "A run: status, workflow and version, trigger, timings, current steps, capped input/output.", permission: .query)
    public static let getRunHistory = RouteSpec(
        .get, "/v1/runs/{id}/history", operationID: "getRunHistory", summary: "A run's events, in order.", permission: .query)

    public static let cancelRun = controlSpec(.cancel, "Cancel a run (in-flight calls and child runs too); 202.")
    public static let terminateRun = controlSpec(.terminate, "Terminate a run at once; 202.")
    public static let pauseRun = controlSpec(.pause, "Pause a run after its in-flight steps; 202.")
    public static let resumeRun = controlSpec(.resume, "Resume a paused or failed-waiting run; 202.")
    public static let retryRun = controlSpec(.retry, "Retry a failed-waiting run from its failed steps; 202.")

    enum RunAction: String, CaseIterable {
        case cancel, terminate, pause, resume, retry
    }

    private static func controlSpec(_ action: RunAction, _ summary: String) -> RouteSpec {
        RouteSpec(
            .post, "/v1/runs/{id}/\(action.rawValue)", operationID: "\(action.rawValue)Run", summary: summary,
            permission: .controlRuns, success: .accepted,
            requestSchema: workflowSchema(
                required: [], properties: ["reason": .object(["type": .string("string"), "maxLength": .int(500)])]),
            links: [.init("GetRun", to: "getRun", ["id": "$response.body#/runId"])])
    }

    private static func workflowSchema(required: [String], properties: [String: JSONValue]) -> JSONValue {
        .object([
            "type": .string("object"), "required": .array(required.map(JSONValue.string)), "properties": .object(properties),
            "additionalProperties": .bool(false),
        ])
    }
}
