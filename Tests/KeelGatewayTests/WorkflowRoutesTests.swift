import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KeelCore
import KeelExecutor
import KeelGateway
import KeelLog
import KeelRuntime
import KeelStore
import KeelTestSupport
import KeelWorkflow
import ServiceLifecycle
import Testing

let keelWorkflow =
    #"{"id":"wf","name":"Onboarding","steps":[{"id":"a","kind":"set","value":{"n":"{{params.n}}"}},{"id":"b","kind":"set","value":"{{a.result.n}}"}]}"#
let linqWorkflow = #"""
    {"link":{"target":"workflow","action":"execute"},
     "query":{"intent":"people","workflowId":"wf-linq","params":{"teamId":"t1"},
              "workflow":[{"step":1,"target":"api-gateway","action":"fetch","intent":"/api/teams/{teamId}","params":{"teamId":"{{params.teamId}}"}}]}}
    """#

extension Harness {
    /// The gateway with the workflow routes served: a registry following `keel.workflow.definitions`
    /// and run requests writing `keel.workflow.commands`, the standard projectors running.
    func workflowApplication(withWorkflows: Bool = true) -> some ApplicationProtocol {
        var projectorConfiguration = ProjectorService.Configuration()
        projectorConfiguration.initialBackoff = .milliseconds(10)
        let projectors = StandardProjections.all(catalog: catalog)
        let services = projectors.map {
            ProjectorService(projector: $0, log: log, store: store, configuration: projectorConfiguration, logger: quietLogger()) as any Service
        }
        let writer = KeelEventWriter(log: log, catalog: catalog, source: "keel-test")
        let registry = WorkflowRegistry(writer: writer, logger: quietLogger())
        let dependencies = GatewayDependencies(
            log: log, store: store, catalog: catalog, projectors: projectors.filter { $0.name != "dedupe" }, access: access,
            workflows: withWorkflows ? registry : nil, runRequests: withWorkflows ? RunRequests(writer: writer) : nil, metrics: metrics,
            logger: quietLogger())
        return buildGateway(
            configuration: configuration, dependencies: dependencies, services: [access] + (withWorkflows ? [registry] : []) + services)
    }

    func withWorkflows(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await workflowApplication().test(.router) { client in try await body(client) }
    }

    /// Records a run's events on `keel.workflow.runs` as the executor does (tenant-stamped, checked
    /// against the catalog).
    func record(tenant: String, runId: String, _ facts: [RunEvent.Fact], firstSeq: Int64 = 1) async throws {
        let writer = KeelEventWriter(log: log, catalog: catalog, source: "keel-executor")
        var events: [CloudEvent] = []
        for (index, fact) in facts.enumerated() {
            let run = RunEvent(runId: runId, seq: firstSeq + Int64(index), timeMs: 1_764_831_600_000 + Int64(index), fact: fact)
            events.append(try writer.event(type: run.type, topic: RunsProjector.topic, tenant: tenant, data: run.data, nowMs: run.timeMs))
        }
        try await writer.append(events, to: RunsProjector.topic)
    }
}

extension TestClientProtocol {
    func register(_ definition: String, token: String) async throws -> TestResponse {
        try await call(.post, "/v1/workflows", token: token, body: definition)
    }

    /// Polls `GET /v1/runs/{id}` until the run shows `status`.
    func waitForRun(_ runId: String, status: String, token: String) async throws -> JSONValue {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let response = try await call(.get, "/v1/runs/\(runId)", token: token)
            if response.status == .ok, response.body.json["status"]?.stringValue == status { return response.body.json }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("run \(runId) never reached \(status)")
        return .null
    }
}

func completedRun(workflowId: String = "wf", tenant: String = "acme", definition: String = keelWorkflow) throws -> [RunEvent.Fact] {
    [
        .started(
            RunStart(
                workflowId: workflowId, workflowVersion: 1, definition: try JSONValue.parse(definition), format: .keel,
                params: .object(["n": .int(7)]), trigger: RunTrigger(kind: "api"), tenant: tenant)),
        .stepScheduled(stepId: "a", attempt: 1, item: nil, itemCount: nil, input: .object(["n": .int(7)])),
        .stepCompleted(stepId: "a", attempt: 1, item: nil, output: .object(["n": .int(7)]), durationMs: 2, cached: false),
        .stepScheduled(stepId: "b", attempt: 1, item: nil, itemCount: nil, input: .int(7)),
        .stepCompleted(stepId: "b", attempt: 1, item: nil, output: .int(7), durationMs: 1, cached: false),
        .completed(output: .int(7), durationMs: 4),
    ]
}

@Suite(.serialized) struct WorkflowRoutesTests {
    @Test func registersKeelAndLinqDefinitionsWithVersions() async throws {
        let harness = try await Harness()
        try await harness.withWorkflows { client in
            try await client.createTenant("acme")
            let operatorKey = try await client.createKey(tenant: "acme", roles: ["operator"])
            let first = try await client.register(keelWorkflow, token: operatorKey)
            #expect(first.status == .created, "\(first.body.text)")
            #expect(first.body.json["workflowId"] == .string("wf"))
            #expect(first.body.json["version"] == .int(1))
            #expect(first.body.json["format"] == .string("keel"))
            let changed = String(keelWorkflow.dropLast()) + #","changeDescription":"rename"}"#
            let second = try await client.register(changed, token: operatorKey)
            #expect(second.body.json["version"] == .int(2), "\(second.body.text)")
            #expect(second.body.json["changeDescription"] == .string("rename"))
            #expect(second.body.json["definition"]?["changeDescription"] == nil)

            let linq = try await client.register(linqWorkflow, token: operatorKey)
            #expect(linq.status == .created, "\(linq.body.text)")
            #expect(linq.body.json["workflowId"] == .string("wf-linq"))
            #expect(linq.body.json["format"] == .string("linq"))

            let list = try await client.call(.get, "/v1/workflows", token: operatorKey)
            #expect(list.body.json["workflows"]?.arrayValue?.compactMap { $0["workflowId"]?.stringValue } == ["wf", "wf-linq"])
            let one = try await client.call(.get, "/v1/workflows/wf", token: operatorKey)
            #expect(one.body.json["version"] == .int(2))
            let versions = try await client.call(.get, "/v1/workflows/wf/versions", token: operatorKey)
            let entries = versions.body.json["versions"]?.arrayValue ?? []
            #expect(entries.map { $0["version"] } == [.int(1), .int(2)])
            #expect(entries.last?["changeDescription"] == .string("rename"))

            // Rollback: a new version equal to the old one.
            let rollback = try await client.call(.post, "/v1/workflows/wf/rollback", token: operatorKey, body: #"{"version":1}"#)
            #expect(rollback.status == .created, "\(rollback.body.text)")
            #expect(rollback.body.json["version"] == .int(3))
            #expect(rollback.body.json["rollbackOf"] == .int(1))
            #expect(rollback.body.json["changeDescription"] == .string("Rollback to version 1"))
            #expect(rollback.body.json["definition"] == first.body.json["definition"])
            expectProblem(
                try await client.call(.post, "/v1/workflows/wf/rollback", token: operatorKey, body: #"{"version":9}"#), .notFound, "not-found")

            // Delete: gone from the list and from reads of the latest; versions stay.
            let deleted = try await client.call(.delete, "/v1/workflows/wf-linq", token: operatorKey)
            #expect(deleted.status == .ok, "\(deleted.body.text)")
            expectProblem(try await client.call(.get, "/v1/workflows/wf-linq", token: operatorKey), .notFound, "not-found")
            #expect(try await client.call(.get, "/v1/workflows/wf-linq/versions", token: operatorKey).status == .ok)
            expectProblem(try await client.call(.delete, "/v1/workflows/wf-linq", token: operatorKey), .notFound, "not-found")
        }
        await harness.remove()
    }

    @Test func invalidDefinitionsListEveryIssueWithItsPointer() async throws {
        let harness = try await Harness()
        try await harness.withWorkflows { client in
            try await client.createTenant("acme")
            let operatorKey = try await client.createKey(tenant: "acme", roles: ["operator"])
            func pointers(_ body: String) async throws -> [String] {
                let response = try await client.register(body, token: operatorKey)
                expectProblem(response, .badRequest, "invalid-definition")
                let errors = response.body.json["errors"]?.arrayValue ?? []
                #expect(errors.allSatisfy { $0["detail"]?.stringValue?.isEmpty == false }, "\(response.body.text)")
                return errors.compactMap { $0["pointer"]?.stringValue }
            }
            let unknownKind = try await pointers(#"{"id":"wf","steps":[{"id":"a","kind":"teleport"}]}"#)
            #expect(unknownKind.contains { $0.hasPrefix("/steps/0") }, "\(unknownKind)")
            let cycle = try await pointers(
                #"{"id":"wf","steps":[{"id":"a","kind":"set","value":1,"dependsOn":["b"]},{"id":"b","kind":"set","value":2,"dependsOn":["a"]}]}"#)
            #expect(cycle.contains { $0.hasPrefix("/steps/") && $0.contains("dependsOn") }, "\(cycle)")
            let unknownStep = try await pointers(#"{"id":"wf","steps":[{"id":"a","kind":"set","value":"{{nope.result.x}}"}]}"#)
            #expect(unknownStep.contains { $0.hasPrefix("/steps/0") }, "\(unknownStep)")
            // Several problems at once: every one is listed.
            let several = try await pointers(#"{"id":"wf","bogus":1,"steps":[{"id":"a","kind":"teleport"}]}"#)
            #expect(several.contains("/bogus") && several.count >= 2, "\(several)")
            expectProblem(try await client.register("{nope", token: operatorKey), .badRequest, "malformed-json")
            #expect(try await client.call(.get, "/v1/workflows", token: operatorKey).body.json["workflows"] == .array([]))
        }
        await harness.remove()
    }

    @Test func startWithAnIdempotencyKeyReturnsTheSameRun() async throws {
        let harness = try await Harness()
        try await harness.withWorkflows { client in
            try await client.createTenant("acme")
            let operatorKey = try await client.createKey(tenant: "acme", roles: ["operator"])
            let producerKey = try await client.createKey(tenant: "acme", roles: ["producer"])
            #expect(try await client.register(keelWorkflow, token: operatorKey).status == .created)
            let first = try await client.call(
                .post, "/v1/workflows/wf/runs", token: producerKey, body: #"{"input":{"n":1},"idempotencyKey":"order-1"}"#)
            #expect(first.status == .accepted, "\(first.body.text)")
            let runId = try #require(first.body.json["runId"]?.stringValue)
            #expect(runId == RunRequests.runID(tenant: "acme", workflowId: "wf", idempotencyKey: "order-1"))
            #expect(first.body.json["status"] == .string("accepted"))
            #expect(first.body.json["links"]?["self"] == .string("/v1/runs/\(runId)"))
            let again = try await client.call(
                .post, "/v1/workflows/wf/runs", token: producerKey, body: #"{"input":{"n":1},"idempotencyKey":"order-1"}"#)
            #expect(again.body.json["runId"] == .string(runId))
            let header = try await client.call(
                .post, "/v1/workflows/wf/runs", token: producerKey, body: #"{"input":{"n":1}}"#,
                headers: [HTTPField.Name("Idempotency-Key")!: "order-1"])
            #expect(header.body.json["runId"] == .string(runId))
            let fresh = try await client.call(.post, "/v1/workflows/wf/runs", token: producerKey, body: #"{"input":{"n":1}}"#)
            #expect(fresh.status == .accepted)
            #expect(fresh.body.json["runId"] != .string(runId))
            expectProblem(try await client.call(.post, "/v1/workflows/nope/runs", token: producerKey, body: "{}"), .notFound, "not-found")
            expectProblem(
                try await client.call(.post, "/v1/workflows/wf/runs", token: producerKey, body: #"{"version":5}"#), .notFound, "not-found")
            expectProblem(
                try await client.call(.post, "/v1/workflows/wf/runs", token: producerKey, body: #"{"input":[1]}"#), .badRequest,
                "invalid-request")
            // Each start is a command for the executor, pinned to the version.
            let commands = try await harness.events(in: RunRequests.commandsTopic)
            #expect(commands.filter { $0.type == "keel.workflow.run.start-requested" }.count == 4)
            #expect(commands.allSatisfy { $0.tenantid == "acme" && $0.jsonData?["workflowVersion"] == .int(1) })
        }
        await harness.remove()
    }

    @Test func runsAreReadFromTheirEvents() async throws {
        let harness = try await Harness()
        try await harness.withWorkflows { client in
            try await client.createTenant("acme")
            let operatorKey = try await client.createKey(tenant: "acme", roles: ["operator"])
            let producerKey = try await client.createKey(tenant: "acme", roles: ["producer"])
            let readerKey = try await client.createKey(tenant: "acme", roles: ["reader"])
            #expect(try await client.register(keelWorkflow, token: operatorKey).status == .created)
            // The executor's events for a run whose start is then asked with ?wait: already ended.
            let runId = RunRequests.runID(tenant: "acme", workflowId: "wf", idempotencyKey: "k-wait")
            try await harness.record(tenant: "acme", runId: runId, try completedRun())
            let run = try await client.waitForRun(runId, status: "completed", token: readerKey)
            #expect(run["workflowId"] == .string("wf"))
            #expect(run["version"] == .int(1))
            #expect(run["output"] == .int(7))
            #expect(run["durationMs"] == .int(4))
            #expect(run["steps"]?["a"]?["status"] == .string("completed"))
            #expect(run["steps"]?["b"]?["kind"] == .string("set"))
            let waited = try await client.call(
                .post, "/v1/workflows/wf/runs?wait=5s", token: producerKey, body: #"{"input":{"n":7},"idempotencyKey":"k-wait"}"#)
            #expect(waited.status == .ok, "\(waited.body.text)")
            #expect(waited.body.json["status"] == .string("completed"))

            let history = try await client.call(.get, "/v1/runs/\(runId)/history", token: readerKey)
            #expect(history.status == .ok, "\(history.body.text)")
            let types = history.body.json["events"]?.arrayValue?.compactMap { $0["type"]?.stringValue } ?? []
            #expect(
                types == [
                    "keel.workflow.run.started", "keel.workflow.step.scheduled", "keel.workflow.step.completed",
                    "keel.workflow.step.scheduled", "keel.workflow.step.completed", "keel.workflow.run.completed",
                ])

            // A second, failed run; list with filters and cursor pages.
            let failedId = "run-failed"
            try await harness.record(
                tenant: "acme", runId: failedId,
                Array(try completedRun().prefix(2)) + [.failed(error: StepError(code: "http-500", message: "boom"), stepId: "a")])
            let failed = try await client.waitForRun(failedId, status: "failed", token: readerKey)
            #expect(failed["error"]?["code"] == .string("http-500"))
            let all = try await client.call(.get, "/v1/runs?workflow=wf", token: readerKey)
            #expect(all.body.json["runs"]?.arrayValue?.count == 2, "\(all.body.text)")
            let onlyFailed = try await client.call(.get, "/v1/runs?status=failed", token: readerKey)
            #expect(onlyFailed.body.json["runs"]?.arrayValue?.compactMap { $0["runId"]?.stringValue } == [failedId])
            let page = try await client.call(.get, "/v1/runs?limit=1", token: readerKey)
            let cursor = try #require(page.body.json["nextCursor"]?.stringValue)
            let next = try await client.call(.get, "/v1/runs?limit=1&cursor=\(cursor)", token: readerKey)
            #expect(next.body.json["runs"]?.arrayValue?.count == 1)
            #expect(next.body.json["runs"]?.arrayValue?.first?["runId"] != page.body.json["runs"]?.arrayValue?.first?["runId"])
            expectProblem(try await client.call(.get, "/v1/runs?status=weird", token: readerKey), .badRequest, "invalid-request")
            expectProblem(try await client.call(.get, "/v1/runs/nope", token: readerKey), .notFound, "not-found")

            // Controls are commands for the executor; one that cannot apply to the run's status is
            // refused at once (a failed run cannot be cancelled, only retried).
            let cancel = try await client.call(.post, "/v1/runs/\(failedId)/cancel", token: operatorKey, body: #"{"reason":"done"}"#)
            expectProblem(cancel, .conflict, "conflict")
            let retry = try await client.call(.post, "/v1/runs/\(failedId)/retry", token: operatorKey, body: #"{"reason":"again"}"#)
            #expect(retry.status == .accepted, "\(retry.body.text)")
            let commands = try await harness.events(in: RunRequests.commandsTopic)
            #expect(!commands.contains { $0.type == "keel.workflow.run.cancel-requested" })
            #expect(commands.contains { $0.type == "keel.workflow.run.retry-requested" })
        }
        await harness.remove()
    }

    @Test func permissionsAndTenantIsolation() async throws {
        let harness = try await Harness()
        try await harness.withWorkflows { client in
            try await client.createTenant("acme")
            try await client.createTenant("globex")
            let acmeOperator = try await client.createKey(tenant: "acme", roles: ["operator"])
            let acmeProducer = try await client.createKey(tenant: "acme", roles: ["producer"])
            let acmeReader = try await client.createKey(tenant: "acme", roles: ["reader"])
            let globexAdmin = try await client.createKey(tenant: "globex", roles: ["admin"])

            // Roles: operator registers and controls, producer starts, reader reads.
            expectProblem(try await client.register(keelWorkflow, token: acmeReader), .forbidden, "forbidden")
            expectProblem(try await client.register(keelWorkflow, token: acmeProducer), .forbidden, "forbidden")
            #expect(try await client.register(keelWorkflow, token: acmeOperator).status == .created)
            expectProblem(try await client.call(.post, "/v1/workflows/wf/runs", token: acmeReader, body: "{}"), .forbidden, "forbidden")
            expectProblem(try await client.call(.post, "/v1/workflows/wf/runs", token: acmeOperator, body: "{}"), .forbidden, "forbidden")
            let started = try await client.call(.post, "/v1/workflows/wf/runs", token: acmeProducer, body: #"{"idempotencyKey":"a"}"#)
            #expect(started.status == .accepted)
            let runId = try #require(started.body.json["runId"]?.stringValue)
            try await harness.record(tenant: "acme", runId: runId, Array(try completedRun().prefix(2)))
            _ = try await client.waitForRun(runId, status: "running", token: acmeReader)
            expectProblem(try await client.call(.get, "/v1/runs/\(runId)", token: acmeProducer), .forbidden, "forbidden")
            expectProblem(try await client.call(.post, "/v1/runs/\(runId)/cancel", token: acmeReader), .forbidden, "forbidden")
            expectProblem(try await client.call(.post, "/v1/runs/\(runId)/cancel", token: acmeProducer), .forbidden, "forbidden")
            #expect(try await client.call(.post, "/v1/runs/\(runId)/pause", token: acmeOperator).status == .accepted)
            expectProblem(try await client.call(.delete, "/v1/workflows/wf", token: acmeReader), .forbidden, "forbidden")

            // Another tenant, even its admin, sees none of it and can touch none of it.
            expectProblem(try await client.call(.get, "/v1/workflows/wf", token: globexAdmin), .notFound, "not-found")
            expectProblem(try await client.call(.get, "/v1/workflows/wf/versions", token: globexAdmin), .notFound, "not-found")
            #expect(try await client.call(.get, "/v1/workflows", token: globexAdmin).body.json["workflows"] == .array([]))
            expectProblem(try await client.call(.post, "/v1/workflows/wf/runs", token: globexAdmin, body: "{}"), .notFound, "not-found")
            expectProblem(
                try await client.call(.post, "/v1/workflows/wf/rollback", token: globexAdmin, body: #"{"version":1}"#), .notFound, "not-found")
            expectProblem(try await client.call(.delete, "/v1/workflows/wf", token: globexAdmin), .notFound, "not-found")
            expectProblem(try await client.call(.get, "/v1/runs/\(runId)", token: globexAdmin), .notFound, "not-found")
            expectProblem(try await client.call(.get, "/v1/runs/\(runId)/history", token: globexAdmin), .notFound, "not-found")
            expectProblem(try await client.call(.post, "/v1/runs/\(runId)/cancel", token: globexAdmin), .notFound, "not-found")
            #expect(try await client.call(.get, "/v1/runs", token: globexAdmin).body.json["runs"] == .array([]))
            expectProblem(
                try await client.call(.get, "/v1/runs", token: globexAdmin, headers: [HTTPField.Name("X-Keel-Tenant")!: "acme"]), .forbidden,
                "forbidden")
            // Its own workflow of the same id is its own.
            #expect(try await client.register(keelWorkflow, token: globexAdmin).body.json["version"] == .int(1))
            #expect(try await client.call(.get, "/v1/workflows/wf", token: acmeReader).body.json["version"] == .int(1))
            let commands = try await harness.events(in: RunRequests.commandsTopic)
            #expect(commands.allSatisfy { $0.tenantid == "acme" })
        }
        await harness.remove()
    }

    @Test func withoutARegistryTheRoutesAnswer503() async throws {
        let harness = try await Harness()
        try await harness.workflowApplication(withWorkflows: false).test(.router) { client in
            expectProblem(try await client.register(keelWorkflow, token: adminKey), .badRequest, "tenant-required")
            let headers: HTTPFields = [HTTPField.Name("X-Keel-Tenant")!: "acme"]
            expectProblem(
                try await client.call(.post, "/v1/workflows", token: adminKey, body: keelWorkflow, headers: headers), .serviceUnavailable,
                "unavailable")
            expectProblem(
                try await client.call(.post, "/v1/workflows/wf/runs", token: adminKey, body: "{}", headers: headers), .serviceUnavailable,
                "unavailable")
        }
        await harness.remove()
    }
}
