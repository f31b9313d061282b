import Foundation
import HTTPTypes
import Hummingbird
import KeelCore
import KeelExecutor
import KeelLog
import KeelRuntime
import KeelStore
import KeelWorkflow

/// Workflow definitions (register, list, versions, rollback, delete) and runs (start, read,
/// history, list, control), always confined to the caller's tenant.
///
/// Definitions go through the `WorkflowRegistry`, run starts and controls through `RunRequests`
/// (commands the executor decides); reads come from the `runs` projection and, for a run's
/// history, from `keel.workflow.runs` itself. Without a registry or run requests the routes that
/// need them answer 503.
struct WorkflowController {
    let registry: WorkflowRegistry?
    let runs: RunRequests?
    let store: any ProjectionStore
    let log: any EventLog

    static let idempotencyHeader = HTTPField.Name("Idempotency-Key")!
    static let maximumWaitMs: Int64 = 60_000

    func register(on routes: RouteRegistrar) {
        routes.on(GatewayRoutes.registerWorkflow) { request, context in try await registerWorkflow(request, context) }
        routes.on(GatewayRoutes.listWorkflows) { request, context in
            let tenant = try Self.tenant(request, context)
            let directory = try requireRegistry().directory
            return .json(.object(["workflows": .array(directory.list(tenant: tenant).map(\.json))]))
        }
        routes.on(GatewayRoutes.getWorkflow) { request, context in
            let (tenant, id) = (try Self.tenant(request, context), try Self.id(context))
            guard let latest = try requireRegistry().directory.latest(tenant: tenant, workflowId: id) else { throw Self.noWorkflow(id) }
            return .json(latest.json)
        }
        routes.on(GatewayRoutes.listWorkflowVersions) { request, context in
            let (tenant, id) = (try Self.tenant(request, context), try Self.id(context))
            let versions = try requireRegistry().directory.versions(tenant: tenant, workflowId: id)
            guard !versions.isEmpty else { throw Self.noWorkflow(id) }
            return .json(.object(["workflowId": .string(id), "versions": .array(versions.map(\.json))]))
        }
        routes.on(GatewayRoutes.rollbackWorkflow) { request, context in try await rollback(request, context) }
        routes.on(GatewayRoutes.deleteWorkflow) { request, context in
            let (tenant, id) = (try Self.tenant(request, context), try Self.id(context))
            let registry = try requireRegistry()
            guard registry.directory.latest(tenant: tenant, workflowId: id) != nil else { throw Self.noWorkflow(id) }
            try await Self.logCall { try await registry.delete(tenant: tenant, workflowId: id, nowMs: WallClock.nowMs()) }
            return .json(.object(["workflowId": .string(id), "deleted": .bool(true)]))
        }
        routes.on(GatewayRoutes.startRun) { request, context in try await startRun(request, context) }
        routes.on(GatewayRoutes.listRuns) { request, context in try await listRuns(request, context) }
        routes.on(GatewayRoutes.getRun) { request, context in
            let (tenant, id) = (try Self.tenant(request, context), try Self.id(context))
            guard let run = try await readRun(tenant: tenant, runId: id) else { throw Self.noRun(id) }
            return .json(run)
        }
        routes.on(GatewayRoutes.getRunHistory) { request, context in try await history(request, context) }
        for (spec, action) in [
            (GatewayRoutes.cancelRun, RunControl.cancel), (GatewayRoutes.terminateRun, .terminate), (GatewayRoutes.pauseRun, .pause),
            (GatewayRoutes.resumeRun, .resume), (GatewayRoutes.retryRun, .retry),
        ] {
            routes.on(spec) { request, context in try await control(action, request, context) }
        }
    }

    // MARK: Definitions

    func registerWorkflow(_ request: Request, _ context: GatewayContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let tenant = try principal.actingTenant(requested: request.requestedTenant)
        let registry = try requireRegistry()
        var body = try await Self.jsonObject(request, limit: 1 << 20)
        let changeDescription = body.removeValue(forKey: "changeDescription")
        if let changeDescription, changeDescription.stringValue == nil {
            throw Problem.badRequest("changeDescription must be a string", field: "changeDescription")
        }
        let definition: WorkflowDefinition
        do {
            definition = try WorkflowDefinition.parse(.object(body))
        } catch {
            throw Self.invalidDefinition(error)
        }
        let version = try await Self.logCall {
            try await registry.register(
                tenant: tenant, definition: definition, changeDescription: changeDescription?.stringValue, createdBy: principal.subject,
                nowMs: WallClock.nowMs())
        }
        return .json(version.json, status: .created, headers: [.location: "/v1/workflows/\(definition.id)"])
    }

    func rollback(_ request: Request, _ context: GatewayContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let tenant = try principal.actingTenant(requested: request.requestedTenant)
        let id = try Self.id(context)
        let registry = try requireRegistry()
        let body = try await Self.jsonObject(request, limit: 64 * 1024)
        try Self.rejectUnknown(body, allowed: ["version"])
        guard let number = body["version"]?.intValue, number >= 1 else {
            throw Problem.badRequest("version must be a positive integer", field: "version")
        }
        guard let old = registry.directory.version(tenant: tenant, workflowId: id, version: Int(number)) else {
            throw Problem.notFound("workflow '\(id)' has no version \(number)")
        }
        let version = try await Self.logCall {
            try await registry.register(
                tenant: tenant, definition: old.definition, changeDescription: "Rollback to version \(number)", createdBy: principal.subject,
                rollbackOf: Int(number), nowMs: WallClock.nowMs())
        }
        return .json(version.json, status: .created)
    }

    // MARK: Runs

    func startRun(_ request: Request, _ context: GatewayContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let tenant = try principal.actingTenant(requested: request.requestedTenant)
        let id = try Self.id(context)
        let registry = try requireRegistry()
        let runs = try requireRuns()
        let wait = try Self.parseWait(request.query("wait"))
        let body = try await Self.jsonObject(request, limit: 1 << 20, allowEmpty: true)
        try Self.rejectUnknown(body, allowed: ["input", "idempotencyKey", "version"])
        let input = body["input"] ?? .object([:])
        guard case .object = input else { throw Problem.badRequest("input must be a JSON object", field: "input") }
        var key = request.headers[Self.idempotencyHeader]
        if let bodyKey = body["idempotencyKey"] {
            guard let text = bodyKey.stringValue, !text.isEmpty, text.count <= 200 else {
                throw Problem.badRequest("idempotencyKey must be a string of 1 to 200 characters", field: "idempotencyKey")
            }
            key = text
        }
        let directory = registry.directory
        let version: WorkflowVersion
        if let requested = body["version"] {
            guard let number = requested.intValue, number >= 1 else {
                throw Problem.badRequest("version must be a positive integer", field: "version")
            }
            guard directory.latest(tenant: tenant, workflowId: id) != nil,
                let pinned = directory.version(tenant: tenant, workflowId: id, version: Int(number))
            else { throw Problem.notFound("workflow '\(id)' has no version \(number)") }
            version = pinned
        } else {
            guard let latest = directory.latest(tenant: tenant, workflowId: id) else { throw Self.noWorkflow(id) }
            version = latest
        }
        let runId = key.map { RunRequests.runID(tenant: tenant, workflowId: id, idempotencyKey: $0) } ?? "run-" + SystemIDs.uuidv7()
        try await Self.logCall {
            try await runs.start(
                tenant: tenant, runId: runId, version: version, input: input, trigger: RunTrigger(kind: "api", id: principal.subject),
                nowMs: WallClock.nowMs())
        }
        if let wait, let run = try await waitForEnd(tenant: tenant, runId: runId, waitMs: wait) {
            return .json(run)
        }
        return .json(
            .object([
                "runId": .string(runId), "status": .string("accepted"), "workflowId": .string(id),
                "version": .int(Int64(version.version)),
                "links": .object(["self": .string("/v1/runs/\(runId)"), "history": .string("/v1/runs/\(runId)/history")]),
            ]), status: .accepted, headers: [.location: "/v1/runs/\(runId)"])
    }

    func control(_ action: RunControl, _ request: Request, _ context: GatewayContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let tenant = try principal.actingTenant(requested: request.requestedTenant)
        let id = try Self.id(context)
        let runs = try requireRuns()
        let body = try await Self.jsonObject(request, limit: 64 * 1024, allowEmpty: true)
        try Self.rejectUnknown(body, allowed: ["reason"])
        if let reason = body["reason"], reason.stringValue == nil {
            throw Problem.badRequest("reason must be a string", field: "reason")
        }
        // Another tenant's run is reported exactly like a missing one.
        guard let run = try await readRun(tenant: tenant, runId: id) else { throw Self.noRun(id) }
        // The executor decides every command against the run's own state; answering here from the
        // projection (which may lag a moment) spares the caller a silent no-op in the common case.
        if let status = run["status"]?.stringValue.flatMap(RunStatus.init(rawValue:)) {
            let allowed: Bool
            switch action {
            case .retry: allowed = status == .failed || status == .failedWaiting
            case .resume: allowed = status == .paused || status == .failedWaiting
            case .pause: allowed = status == .running
            case .cancel, .terminate: allowed = !status.isTerminal
            }
            guard allowed else { throw Problem(.conflict, "run \(id) is \(status.rawValue): it cannot be \(action.pastTense)") }
        }
        try await Self.logCall {
            try await runs.control(
                tenant: tenant, runId: id, action: action, by: principal.subject, reason: body["reason"]?.stringValue,
                nowMs: WallClock.nowMs())
        }
        return .json(
            .object(["runId": .string(id), "action": .string(action.rawValue), "status": .string("accepted")]), status: .accepted,
            headers: [.location: "/v1/runs/\(id)"])
    }

    func listRuns(_ request: Request, _ context: GatewayContext) async throws -> Response {
        let tenant = try Self.tenant(request, context)
        var filter = [FieldFilter("tenant", .equals(.string(tenant)))]
        if let workflow = request.query("workflow") { filter.append(FieldFilter("workflowId", .equals(.string(workflow)))) }
        if let status = request.query("status") {
            guard RunStatus(rawValue: status) != nil else {
                throw Problem.badRequest("unknown status '\(status)'", field: "status")
            }
            filter.append(FieldFilter("status", .equals(.string(status))))
        }
        if let from = try QueryController.parseTime(request.query("from"), name: "from") {
            filter.append(FieldFilter("startedAt", .greaterThanOrEqual(.date(from))))
        }
        if let to = try QueryController.parseTime(request.query("to"), name: "to") {
            filter.append(FieldFilter("startedAt", .lessThan(.date(to))))
        }
        let limit = try QueryController.parseLimit(request.query("limit"))
        let page = try await storeCall {
            try await store.query(
                DocumentQuery(
                    target: .live(RunsProjector.projectionName), collection: RunsProjector.collection, filter: filter,
                    sort: [SortField("startedAt", ascending: false)], limit: limit, after: request.query("cursor")))
        }
        return .json(
            .object([
                "runs": .array(page.documents.map(Self.runJSON)), "nextCursor": page.nextCursor.map(JSONValue.string) ?? .null,
            ]))
    }

    func history(_ request: Request, _ context: GatewayContext) async throws -> Response {
        let tenant = try Self.tenant(request, context)
        let id = try Self.id(context)
        guard try await readRun(tenant: tenant, runId: id) != nil else { throw Self.noRun(id) }
        let events = try await Self.logCall { try await RunHistory.events(tenant: tenant, runId: id, log: log) }
        return .json(.object(["runId": .string(id), "events": .array(events.map { Self.eventJSON($0) })]))
    }

    // MARK: Reading

    func readRun(tenant: String, runId: String) async throws -> JSONValue? {
        let document = try await storeCall {
            try await store.find(
                .live(RunsProjector.projectionName), collection: RunsProjector.collection,
                id: RunsProjector.documentID(tenant: tenant, runId: runId))
        }
        guard let document, document["tenant"]?.stringValue == tenant else { return nil }
        return Self.runJSON(document)
    }

    /// Polls the `runs` projection until the run ends or `waitMs` passes.
    func waitForEnd(tenant: String, runId: String, waitMs: Int64) async throws -> JSONValue? {
        let deadline = ContinuousClock.now + .milliseconds(waitMs)
        var pause = Duration.milliseconds(5)
        while true {
            if let run = try await readRun(tenant: tenant, runId: runId),
                let status = run["status"]?.stringValue.flatMap(RunStatus.init(rawValue:)), status.isTerminal
            {
                return run
            }
            guard ContinuousClock.now + pause < deadline else { return nil }
            try await Task.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(100))
        }
    }

    /// A run document as the API shows it: the store's fields, `durationMs` from the timings when
    /// the run ended without one.
    static func runJSON(_ document: Document) -> JSONValue {
        var run = document
        if run["durationMs"] == nil, case .date(let ended)? = run["endedAt"], case .date(let started)? = run["startedAt"] {
            run["durationMs"] = .int(ended - started)
        }
        return DocumentValue.object(run).json
    }

    static func eventJSON(_ event: CloudEvent) -> JSONValue {
        var members: [String: JSONValue] = ["id": .string(event.id), "type": .string(event.type)]
        if let time = event.timeMs { members["time"] = .string(RFC3339.format(milliseconds: time)) }
        if let data = event.jsonData { members["data"] = data }
        return .object(members)
    }

    // MARK: Helpers

    func requireRegistry() throws(Problem) -> WorkflowRegistry {
        guard let registry else { throw Problem(.unavailable, "workflows are not served by this gateway (no workflow registry)") }
        return registry
    }

    func requireRuns() throws(Problem) -> RunRequests {
        guard let runs else { throw Problem(.unavailable, "runs are not served by this gateway (no run requests)") }
        return runs
    }

    static func tenant(_ request: Request, _ context: GatewayContext) throws(Problem) -> String {
        try context.requirePrincipal().actingTenant(requested: request.requestedTenant)
    }

    static func id(_ context: GatewayContext) throws -> String {
        let raw = try context.parameters.require("id")
        return raw.removingPercentEncoding ?? raw
    }

    static func noWorkflow(_ id: String) -> Problem { Problem.notFound("no workflow '\(id)'") }
    static func noRun(_ id: String) -> Problem { Problem.notFound("no run '\(id)'") }

    /// A refused definition: every issue, each with its JSON pointer.
    static func invalidDefinition(_ error: DefinitionError) -> Problem {
        Problem(
            .invalidDefinition, "the workflow definition is invalid: \(error.description)",
            extensions: [
                "errors": .array(error.issues.map { .object(["pointer": .string($0.pointer), "detail": .string($0.message)]) })
            ])
    }

    static func jsonObject(_ request: Request, limit: Int, allowEmpty: Bool = false) async throws -> [String: JSONValue] {
        let body = try await AccessController.jsonBody(request, allowEmpty: allowEmpty, limit: limit)
        return body.objectValue ?? [:]
    }

    static func rejectUnknown(_ body: [String: JSONValue], allowed: Set<String>) throws(Problem) {
        if let unknown = body.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw Problem.badRequest("unknown member '\(unknown)' (allowed: \(allowed.sorted().joined(separator: ", ")))", field: unknown)
        }
    }

    /// `30s`, `1500ms`, `1m`: at most a minute.
    static func parseWait(_ raw: String?) throws(Problem) -> Int64? {
        guard let raw else { return nil }
        guard let ms = DurationText.milliseconds(raw), ms >= 0 else {
            throw Problem.badRequest("wait must be a duration such as 30s or 1500ms, got '\(raw)'", field: "wait")
        }
        return min(ms, maximumWaitMs)
    }

    /// Log failures become 503 (retryable); problems pass through.
    static func logCall<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let problem as Problem {
            throw problem
        } catch let error as EventValidationError {
            throw Problem.invalidEvent(error)
        } catch {
            throw Problem(.unavailable, "the event log is unavailable (\(error)); retry")
        }
    }
}

extension Problem.Kind {
    public static let invalidDefinition = Problem.Kind("invalid-definition", .badRequest, "Invalid workflow definition")
}

/// A run's events, read from `keel.workflow.runs`: the partition of the run's key, from its start.
enum RunHistory {
    static func events(tenant: String, runId: String, log: any EventLog) async throws -> [CloudEvent] {
        let topic = RunsProjector.topic
        guard let description = try await log.describeTopic(topic) else { return [] }
        let key = tenant + KeyRule.tenantSeparator + runId
        let partition = KafkaPartitioner.partition(forKey: Array(key.utf8), partitions: description.partitions)
        var events: [CloudEvent] = []
        try await log.readPartitionToEnd(TopicPartition(topic, partition), maxBatchSize: 1000) { records in
            for record in records {
                guard record.key.map({ $0.elementsEqual(key.utf8) }) == true,
                    let event = try? KafkaBinding.decodeStamped(key: record.key, value: record.value, headers: record.headers),
                    event.tenantid == tenant
                else { continue }
                events.append(event)
            }
        }
        return events.sorted { ($0.jsonData?["seq"]?.intValue ?? 0) < ($1.jsonData?["seq"]?.intValue ?? 0) }
    }
}

extension RunControl {
    var pastTense: String {
        switch self {
        case .cancel: "cancelled"
        case .terminate: "terminated"
        case .pause: "paused"
        case .resume: "resumed"
        case .retry: "retried"
        }
    }
}
