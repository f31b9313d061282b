import KeelCore
import KeelLog
import KeelWorkflow
import Logging

extension ExecutorService {
    /// Decides a run's inputs in order, recording each decision before its effects; then asks the
    /// table for more and goes on until the run is idle.
    func work(_ key: String, batch: [RunTable.Pending], continuation: AsyncStream<Input>.Continuation) async {
        var batch = batch
        var state = table.state(key)
        let partition = Self.partition(of: key, in: writer.catalog)
        while true {
            for pending in batch {
                state = await decide(pending.input, key: key, state: state, partition: partition, continuation: continuation)
                if let source = pending.source { continuation.yield(.decided(source)) }
            }
            guard let more = table.finished(key, state: state) else { return }
            batch = more
        }
    }

    func decide(
        _ input: RunCommandWire.Input, key: String, state: RunState?, partition: Int32, continuation: AsyncStream<Input>.Continuation
    ) async -> RunState? {
        var command: RunDecider.Command
        switch input {
        case .decide(let decided): command = decided
        case .childFinished(let stepId, let attempt, let result):
            command = .stepFinished(RunDecider.StepOutcome(stepId: stepId, attempt: attempt, result: result, retryable: false, durationMs: 0))
        }
        var state = state
        while true {
            let decision: RunDecider.Decision
            do {
                decision = try decider.decide(command, state: state, nowMs: WallClock.nowMs())
            } catch {
                if error.kind != .exists && error.kind != .finished {
                    logger.info("executor: refused", metadata: ["run": "\(key)", "reason": "\(error.message)"])
                }
                return state
            }
            guard !decision.events.isEmpty, let next = decision.state else { return state }
            do {
                try await record(decision.events, tenant: next.tenant)
            } catch {
                logger.error(
                    "executor: could not record a decision; the command will be read again", metadata: ["run": "\(key)", "error": "\(error)"])
                return state
            }
            state = next
            await effects(of: decision.events, state: next, key: key, partition: partition, continuation: continuation)
            guard decision.advanceAgain, !next.isTerminal else { return state }
            command = .advance
        }
    }

    /// Appends a decision's events to the run's key; durable when it returns.
    func record(_ events: [RunEvent], tenant: String) async throws {
        var cloudEvents: [CloudEvent] = []
        let now = WallClock.nowMs()
        for event in events {
            cloudEvents.append(
                try writer.event(
                    type: event.type, topic: RunRequests.runsTopic, tenant: tenant, data: event.data,
                    id: "\(tenant)/\(event.runId)#\(event.seq)", nowMs: now))
        }
        try await writer.append(cloudEvents, to: RunRequests.runsTopic)
    }

    /// What recorded events ask of the world: step attempts, timers, children, parents.
    func effects(of events: [RunEvent], state: RunState, key: String, partition: Int32, continuation: AsyncStream<Input>.Continuation) async {
        var timers: [CloudEvent] = []
        var commands: [CloudEvent] = []
        let now = WallClock.nowMs()
        for event in events {
            switch event.fact {
            case .stepScheduled(let stepId, let attempt, let item, _, let input):
                guard let step = state.definition.step(stepId) else { continue }
                if step.kind == "sleep" { continue }
                if step.kind == "workflow" {
                    if let command = childStart(state: state, step: step, attempt: attempt, input: input, now: now) {
                        commands.append(command)
                    } else {
                        let error = StepError(
                            code: "workflow-unknown", message: "workflow \(input["workflow"]?.stringValue ?? "?") is not registered for this tenant")
                        let outcome = RunDecider.StepOutcome(
                            stepId: stepId, attempt: attempt, result: .failure(error), retryable: false, durationMs: 0)
                        continuation.yield(.outcome(key: key, partition: partition, outcome))
                    }
                    continue
                }
                let attemptValue = StepAttempt(
                    tenant: state.tenant, runId: state.runId, stepId: stepId, attempt: attempt, item: item, kind: step.kind, input: input,
                    timeoutMs: step.timeouts.startToCloseMs)
                continuation.yield(.launch(key: key, partition: partition, attemptValue))
            case .timerSet(let timerId, _, let fireAtMs, _):
                if let timer = timerEvent(timerId: timerId, fireAtMs: fireAtMs, state: state, now: now) { timers.append(timer) }
            case .stepRetryScheduled(_, _, _, let delayMs, let timerId):
                if let timer = timerEvent(timerId: timerId, fireAtMs: event.timeMs + delayMs, state: state, now: now) { timers.append(timer) }
            case .cancelled, .terminated, .failed:
                continuation.yield(.cancelRun(key: key))
                commands += childCancels(state: state, now: now)
                if let notice = parentNotice(state: state, now: now) { commands.append(notice) }
            case .completed:
                if let notice = parentNotice(state: state, now: now) { commands.append(notice) }
            default:
                continue
            }
        }
        do {
            try await writer.append(timers, to: TimerService.topic)
            try await writer.append(commands, to: RunRequests.commandsTopic)
        } catch {
            logger.error("executor: could not write timers or child commands", metadata: ["run": "\(key)", "error": "\(error)"])
        }
    }

    func timerEvent(timerId: String, fireAtMs: Int64, state: RunState, now: Int64) -> CloudEvent? {
        let data = TimerService.scheduledData(
            timerId: timerId, fireAtMs: fireAtMs, ownerKind: "workflow-run", ownerId: state.runId,
            deliverTo: (
                RunRequests.commandsTopic, RunCommandWire.timerFiredType, .object(["runId": .string(state.runId), "timerId": .string(timerId)])
            ))
        return try? writer.event(
            type: TimerService.scheduledType, topic: TimerService.topic, tenant: state.tenant, data: data, id: "\(state.tenant)/\(timerId)/set",
            nowMs: now)
    }

    static func childRunID(parent: String, stepId: String, attempt: Int) -> String { "\(parent)~\(stepId)~\(attempt)" }

    func childStart(state: RunState, step: StepDefinition, attempt: Int, input: JSONValue, now: Int64) -> CloudEvent? {
        // The child's definition comes from the registry when one is wired; otherwise the step
        // fails at once (see `childStartFailure`).
        guard let resolve = childResolver, let workflowId = input["workflow"]?.stringValue,
            let version = resolve(state.tenant, workflowId, input["version"]?.intValue.map(Int.init))
        else { return nil }
        let data: [String: JSONValue] = [
            "runId": .string(Self.childRunID(parent: state.runId, stepId: step.id, attempt: attempt)),
            "workflowId": .string(workflowId), "workflowVersion": .int(Int64(version.version)), "definition": version.definition.source,
            "format": .string(version.definition.format.rawValue), "input": input["input"] ?? .object([:]),
            "trigger": .object(["kind": .string("workflow"), "id": .string(state.runId)]), "tenant": .string(state.tenant),
            "parentRunId": .string(state.runId), "parentStepId": .string(step.id),
        ]
        return try? writer.event(
            type: RunCommandWire.startType, topic: RunRequests.commandsTopic, tenant: state.tenant, data: .object(data), nowMs: now)
    }

    func childCancels(state: RunState, now: Int64) -> [CloudEvent] {
        state.definition.steps.filter { $0.kind == "workflow" && state.steps[$0.id]?.status == .scheduled }.compactMap { step in
            let child = Self.childRunID(parent: state.runId, stepId: step.id, attempt: state.steps[step.id]?.attempt ?? 1)
            return try? writer.event(
                type: RunControl.cancel.commandType, topic: RunRequests.commandsTopic, tenant: state.tenant,
                data: .object(["runId": .string(child), "requestedBy": .string("parent \(state.runId)"), "reason": .string("parent run ended")]),
                nowMs: now)
        }
    }

    func parentNotice(state: RunState, now: Int64) -> CloudEvent? {
        guard let parent = state.start.parentRunId, let stepId = state.start.parentStepId else { return nil }
        let attempt = Int(state.runId.split(separator: "~").last.flatMap { Int($0) } ?? 1)
        var data: [String: JSONValue] = [
            "runId": .string(parent), "childRunId": .string(state.runId), "parentStepId": .string(stepId), "attempt": .int(Int64(attempt)),
            "status": .string(state.status.rawValue),
        ]
        if let output = state.output { data["output"] = output }
        if let error = state.error { data["error"] = error.json }
        return try? writer.event(
            type: RunCommandWire.childFinishedType, topic: RunRequests.commandsTopic, tenant: state.tenant, data: .object(data),
            id: "\(state.tenant)/\(state.runId)/finished", nowMs: now)
    }

    static func partition(of key: String, in catalog: TopicCatalog) -> Int32 {
        let count = catalog.topic(named: RunRequests.commandsTopic)?.partitions ?? 1
        return KafkaPartitioner.partition(forKey: Array(key.utf8), partitions: Int32(count))
    }
}
