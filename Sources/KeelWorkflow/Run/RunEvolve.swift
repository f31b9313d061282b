import KeelCore

extension RunState {
    /// Folds one event into a run. `nil` before the run's `started` event; an event whose `seq` is
    /// not the next one is ignored (see `RunEvent`).
    public static func evolve(_ state: RunState?, _ event: RunEvent, kinds: StepKinds = .builtIn) -> RunState? {
        guard var state else {
            guard event.seq == 1, case .started(let start) = event.fact else { return nil }
            guard let definition = try? WorkflowDefinition.parse(start.definition, id: start.workflowId, kinds: kinds) else {
                return nil
            }
            var steps: [String: StepState] = [:]
            for step in definition.steps { steps[step.id] = StepState() }
            return RunState(
                runId: event.runId, start: start, definition: definition, status: .running, seq: 1, startedAtMs: event.timeMs,
                endedAtMs: nil, updatedAtMs: event.timeMs, steps: steps, jumpsTaken: [:], output: nil, error: nil, timers: [:])
        }
        guard event.seq == state.seq + 1, !state.isTerminal else { return state }
        state.seq = event.seq
        state.updatedAtMs = event.timeMs
        state.apply(event)
        return state
    }

    mutating func apply(_ event: RunEvent) {
        switch event.fact {
        case .started:
            break
        case .stepScheduled(let id, let attempt, let item, let itemCount, let input):
            timers = timers.filter { $0.value.stepId != id || $0.value.item != item || $0.value.purpose != .retry }
            if let item {
                steps[id]?.status = .scheduled
                steps[id]?.itemCount = itemCount
                steps[id]?.items[item] = StepState.ItemState(status: .scheduled, attempt: attempt, input: input)
                if steps[id]?.scheduledAtMs == nil { steps[id]?.scheduledAtMs = event.timeMs }
            } else {
                steps[id]?.status = .scheduled
                steps[id]?.attempt = attempt
                steps[id]?.input = input
                steps[id]?.error = nil
                steps[id]?.scheduledAtMs = event.timeMs
            }
        case .stepCompleted(let id, let attempt, let item, let output, let durationMs, let cached):
            timers = timers.filter { $0.value.stepId != id || $0.value.item != item }
            if let item {
                steps[id]?.items[item]?.status = .completed
                steps[id]?.items[item]?.output = output
            } else {
                steps[id]?.status = .completed
                let previous = steps[id]?.attempt ?? 0
                steps[id]?.attempt = max(attempt, previous)
                steps[id]?.output = output
                steps[id]?.durationMs = durationMs
                steps[id]?.cached = cached
                steps[id]?.error = nil
            }
        case .stepFailed(let id, _, let item, let error, let retryable, let durationMs):
            if let item {
                steps[id]?.items[item]?.status = .failed
                steps[id]?.items[item]?.error = error
            } else {
                // The decider follows a failure it will retry with `stepRetryScheduled`; a failure
                // not followed by one is final.
                steps[id]?.status = .failed
                steps[id]?.error = error
                steps[id]?.durationMs = durationMs
            }
            _ = retryable
        case .stepRetryScheduled(let id, let item, let nextAttempt, let delayMs, let timerId):
            if let item {
                steps[id]?.items[item]?.status = .retrying
                steps[id]?.items[item]?.attempt = nextAttempt - 1
            } else {
                steps[id]?.status = .retrying
            }
            timers[timerId] = PendingTimer(stepId: id, item: item, purpose: .retry, fireAtMs: event.timeMs + delayMs)
        case .stepSkipped(let id, _):
            steps[id]?.status = .skipped
        case .jumped(let from, let to, let iteration):
            jumpsTaken[from, default: 0] += 1
            applyJump(from: from, to: to, iteration: iteration)
        case .timerSet(let timerId, let stepId, let fireAtMs, let purpose):
            timers[timerId] = PendingTimer(stepId: stepId, item: nil, purpose: purpose, fireAtMs: fireAtMs)
        case .paused(_, _, let failed):
            status = failed ? .failedWaiting : .paused
        case .resumed(_, let retrying):
            status = .running
            for id in retrying {
                guard let old = steps[id] else { continue }
                var fresh = StepState(iteration: old.iteration, attemptBase: max(old.attempt, old.items.values.map(\.attempt).max() ?? 0))
                fresh.attempt = fresh.attemptBase
                steps[id] = fresh
            }
        case .completed(let output, _):
            status = .completed
            self.output = output
            endedAtMs = event.timeMs
            timers = [:]
        case .failed(let error, _):
            status = .failed
            self.error = error
            endedAtMs = event.timeMs
            timers = [:]
        case .cancelled:
            status = .cancelled
            endedAtMs = event.timeMs
            timers = [:]
        case .terminated:
            status = .terminated
            endedAtMs = event.timeMs
            timers = [:]
        }
    }

    mutating func applyJump(from: String, to: String?, iteration: Int) {
        guard let fromIndex = definition.index(of: from) else { return }
        guard let to, let toIndex = definition.index(of: to) else {
            for step in definition.steps[(fromIndex + 1)...] where steps[step.id]?.isFinished == false {
                steps[step.id]?.status = .skipped
            }
            return
        }
        if toIndex > fromIndex {
            for step in definition.steps[(fromIndex + 1)..<toIndex] { steps[step.id]?.status = .skipped }
        } else {
            for step in definition.steps[toIndex...fromIndex] {
                let previous = steps[step.id]
                steps[step.id] = StepState(iteration: iteration, attemptBase: previous?.attempt ?? 0)
                steps[step.id]?.attempt = previous?.attempt ?? 0
            }
        }
    }

    /// The context a step's templates and expressions see now.
    public func context(item: JSONValue? = nil, index: Int? = nil) -> RunContext {
        var views: [String: RunContext.StepView] = [:]
        for (id, step) in steps where step.status != .pending {
            views[id] = RunContext.StepView(
                status: step.status.rawValue, output: step.status == .completed ? step.output : nil,
                error: step.error.map { .object(["code": .string($0.code), "message": .string($0.message)]) })
        }
        let run: JSONValue = .object([
            "id": .string(runId), "workflowId": .string(start.workflowId),
            "version": .int(Int64(start.workflowVersion)), "tenant": .string(start.tenant),
        ])
        return RunContext(params: params, steps: views, item: item, index: index, run: run)
    }
}
