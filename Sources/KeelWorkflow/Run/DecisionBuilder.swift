import Foundation
import KeelCore
import KeelExpressions

/// Accumulates one decision's events, folding each into the state as it is emitted so later rules
/// see earlier facts.
struct DecisionBuilder {
    var state: RunState?
    var runId: String
    let nowMs: Int64
    let kinds: StepKinds
    var events: [RunEvent] = []
    var advanceAgain = false
    /// Steps completed by this decision: their dependents wait for the next wave.
    var completedNow: Set<String> = []
    /// Steps a backward jump reset in this decision: they start in the next wave.
    var resetNow: Set<String> = []

    init(state: RunState?, nowMs: Int64, kinds: StepKinds) {
        self.state = state
        self.runId = state?.runId ?? ""
        self.nowMs = nowMs
        self.kinds = kinds
    }

    mutating func emit(_ fact: RunEvent.Fact) {
        let event = RunEvent(runId: runId, seq: (state?.seq ?? 0) + 1, timeMs: nowMs, fact: fact)
        state = RunState.evolve(state, event, kinds: kinds)
        events.append(event)
    }

    @discardableResult
    func requireLive() throws(RunRejection) -> RunState {
        guard let state else { throw RunRejection(.unknown, "no such run") }
        guard !state.isTerminal else { throw RunRejection(.finished, "run is \(state.status.rawValue)") }
        return state
    }

    var definition: WorkflowDefinition { state!.definition }

    // MARK: Outcomes

    mutating func finish(_ outcome: RunDecider.StepOutcome) {
        guard let run = state, let step = run.steps[outcome.stepId], let spec = definition.step(outcome.stepId) else { return }
        // Only the attempt the run is waiting for counts: a late or repeated outcome is stale.
        if let item = outcome.item {
            guard let itemState = step.items[item], itemState.status == .scheduled, itemState.attempt == outcome.attempt else { return }
        } else {
            guard step.status == .scheduled, step.attempt == outcome.attempt else { return }
        }
        switch outcome.result {
        case .success(let output):
            emit(
                .stepCompleted(
                    stepId: outcome.stepId, attempt: outcome.attempt, item: outcome.item, output: output, durationMs: outcome.durationMs,
                    cached: outcome.cached))
            if outcome.item != nil {
                completeForEachIfDone(spec)
            } else {
                completedNow.insert(spec.id)
                takeJump(after: spec)
            }
        case .failure(let error):
            let used = outcome.attempt - (step.attemptBase)
            let retry = outcome.retryable && used < spec.retry.maximumAttempts && !spec.retry.nonRetryable.contains(error.code)
            emit(
                .stepFailed(
                    stepId: outcome.stepId, attempt: outcome.attempt, item: outcome.item, error: error, retryable: retry,
                    durationMs: outcome.durationMs))
            if retry {
                let delay = spec.retry.delayMs(afterAttempt: used)
                let timerId = timerID(spec.id, attempt: outcome.attempt, item: outcome.item)
                emit(.stepRetryScheduled(stepId: spec.id, item: outcome.item, nextAttempt: outcome.attempt + 1, delayMs: delay, timerId: timerId))
            } else if outcome.item != nil {
                emit(.stepFailed(stepId: spec.id, attempt: step.attempt, item: nil, error: error, retryable: false, durationMs: outcome.durationMs))
                failed(spec, error)
            } else {
                failed(spec, error)
            }
        }
    }

    mutating func fire(_ timerId: String) {
        guard let timer = state?.timers[timerId] else { return }
        switch timer.purpose {
        case .deadline:
            emit(.failed(error: StepError(code: "deadline", message: "the run's deadline passed"), stepId: nil))
        case .sleep:
            guard let id = timer.stepId, let step = state?.steps[id], step.status == .scheduled else { return }
            let output: JSONValue = .object(["sleptUntil": .string(RFC3339.format(milliseconds: timer.fireAtMs))])
            emit(
                .stepCompleted(
                    stepId: id, attempt: step.attempt, item: nil, output: output, durationMs: max(0, nowMs - (step.scheduledAtMs ?? nowMs)),
                    cached: false))
            completedNow.insert(id)
            if let spec = definition.step(id) { takeJump(after: spec) }
        case .retry:
            guard let id = timer.stepId, let spec = definition.step(id), let step = state?.steps[id] else { return }
            if let item = timer.item {
                guard let itemState = step.items[item], itemState.status == .retrying else { return }
                scheduleItem(spec, item: item, attempt: itemState.attempt + 1, count: step.itemCount ?? 0)
            } else {
                guard step.status == .retrying else { return }
                schedule(spec, attempt: step.attempt + 1)
            }
        case .timeout:
            break
        }
    }

    func timerID(_ stepId: String, attempt: Int, item: Int?) -> String {
        "\(runId)/\(stepId)/\(attempt)" + (item.map { "/\($0)" } ?? "")
    }

    /// A step failed for good: handled when every step waiting for it collects all outcomes;
    /// otherwise the run pauses or fails, as the workflow says.
    mutating func failed(_ step: StepDefinition, _ error: StepError) {
        let dependents = DefinitionChecks.dependents(of: step.id, in: definition)
        if !dependents.isEmpty && dependents.allSatisfy({ $0.join == .collectAll }) { return }
        switch definition.onFailure {
        case .pause: emit(.paused(reason: "step \(step.id) failed: \(error.message)", stepId: step.id, failed: true))
        case .fail: emit(.failed(error: error, stepId: step.id))
        }
    }

    mutating func takeJump(after step: StepDefinition) {
        guard let jump = step.jump, let run = state else { return }
        if let when = jump.when {
            do {
                guard try when.evaluate(in: run.context()) else { return }
            } catch {
                emit(
                    .stepFailed(
                        stepId: step.id, attempt: run.steps[step.id]?.attempt ?? 1, item: nil,
                        error: StepError(code: "condition", message: error.description), retryable: false, durationMs: 0))
                failed(step, StepError(code: "condition", message: error.description))
                return
            }
        }
        guard let target = jump.to, let targetIndex = definition.index(of: target), let ownIndex = definition.index(of: step.id) else {
            emit(.jumped(from: step.id, to: nil, iteration: 0))
            return
        }
        if targetIndex <= ownIndex {
            guard run.jumpsTaken[step.id, default: 0] < (jump.maxIterations ?? 0) else { return }
            resetNow.formUnion(definition.steps[targetIndex...ownIndex].map(\.id))
            emit(.jumped(from: step.id, to: target, iteration: (run.steps[target]?.iteration ?? 1) + 1))
        } else {
            emit(.jumped(from: step.id, to: target, iteration: run.steps[target]?.iteration ?? 1))
        }
    }
}
