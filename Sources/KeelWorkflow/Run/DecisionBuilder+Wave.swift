import Foundation
import KeelCore
import KeelExpressions

extension DecisionBuilder {
    /// Schedules every step whose predecessors are finished, then completes the run when nothing
    /// is left. Repeats until a pass changes nothing (skips can make further steps ready).
    mutating func wave() {
        for _ in 0...(state?.definition.steps.count ?? 0) {
            guard let run = state, run.status == .running else { return }
            let before = events.count
            for step in run.definition.steps {
                guard let current = state, current.status == .running, let progress = current.steps[step.id] else { return }
                switch progress.status {
                case .pending: start(step, in: current)
                case .scheduled where step.forEach != nil: fillForEach(step, progress)
                default: break
                }
            }
            if events.count == before { break }
        }
        completeIfDone()
    }

    mutating func start(_ step: StepDefinition, in run: RunState) {
        guard !resetNow.contains(step.id) else {
            advanceAgain = true
            return
        }
        for predecessor in DefinitionChecks.predecessors(of: step, in: run.definition) {
            guard let state = run.steps[predecessor] else { return }
            if completedNow.contains(predecessor) {
                advanceAgain = true
                return
            }
            switch state.status {
            case .completed, .skipped: continue
            case .failed where step.join == .collectAll: continue
            default: return
            }
        }
        let context = run.context()
        if let condition = step.condition {
            do {
                guard try condition.evaluate(in: context) else {
                    emit(.stepSkipped(stepId: step.id, reason: "condition is false: \(condition.text)"))
                    return
                }
            } catch {
                failBeforeStart(step, StepError(code: "condition", message: error.description))
                return
            }
        }
        if let forEach = step.forEach {
            let items: JSONValue
            do {
                items = try resolve(forEach.items, in: context)
            } catch {
                failBeforeStart(step, error)
                return
            }
            guard case .array(let elements) = items else {
                failBeforeStart(step, StepError(code: "forEach", message: "forEach items of \(step.id) are not a list"))
                return
            }
            if elements.isEmpty {
                emit(.stepCompleted(stepId: step.id, attempt: 1, item: nil, output: .array([]), durationMs: 0, cached: false))
                completedNow.insert(step.id)
                advanceAgain = true
                return
            }
            for index in 0..<min(forEach.concurrency, elements.count) {
                scheduleItem(step, item: index, attempt: 1, count: elements.count, items: elements)
            }
            return
        }
        schedule(step, attempt: (run.steps[step.id]?.attempt ?? 0) + 1)
    }

    /// Schedules one attempt: resolves its input; a deterministic kind is computed right here.
    mutating func schedule(_ step: StepDefinition, attempt: Int) {
        guard let run = state else { return }
        let input: JSONValue
        do {
            input = try renderInput(step, in: run.context())
        } catch {
            failBeforeStart(step, error)
            return
        }
        if kinds[step.kind]?.isDeterministic == true {
            do {
                let output = try Self.compute(step, input: input, context: run.context())
                emit(.stepCompleted(stepId: step.id, attempt: attempt, item: nil, output: output, durationMs: 0, cached: false))
                completedNow.insert(step.id)
                advanceAgain = true
                takeJump(after: step)
            } catch {
                emit(.stepFailed(stepId: step.id, attempt: attempt, item: nil, error: error, retryable: false, durationMs: 0))
                failed(step, error)
            }
            return
        }
        emit(.stepScheduled(stepId: step.id, attempt: attempt, item: nil, itemCount: nil, input: input))
        if step.kind == "sleep" { setSleepTimer(step, attempt: attempt, input: input) }
    }

    mutating func scheduleItem(_ step: StepDefinition, item: Int, attempt: Int, count: Int, items: [JSONValue]? = nil) {
        guard let run = state else { return }
        let element: JSONValue
        if let items {
            element = items[item]
        } else if let recorded = run.steps[step.id]?.items[item]?.input?["item"] {
            element = recorded
        } else {
            return
        }
        var input: JSONValue
        do {
            input = try renderInput(step, in: run.context(item: element, index: item))
            if kinds[step.kind]?.isDeterministic == true {
                input = try Self.compute(step, input: input, context: run.context(item: element, index: item))
            }
        } catch {
            failBeforeStart(step, error)
            return
        }
        let recorded: JSONValue = .object(["item": element, "input": input])
        emit(.stepScheduled(stepId: step.id, attempt: attempt, item: item, itemCount: count, input: recorded))
        if kinds[step.kind]?.isDeterministic == true {
            emit(.stepCompleted(stepId: step.id, attempt: attempt, item: item, output: input, durationMs: 0, cached: false))
            completeForEachIfDone(step)
        }
    }

    /// Keeps `concurrency` elements of a forEach step in flight.
    mutating func fillForEach(_ step: StepDefinition, _ progress: StepState) {
        guard let forEach = step.forEach, let count = progress.itemCount, progress.items.count < count else { return }
        let inFlight = progress.items.values.filter { $0.status == .scheduled || $0.status == .retrying }.count
        guard inFlight < forEach.concurrency, let run = state else { return }
        guard let items = try? resolve(forEach.items, in: run.context()), case .array(let elements) = items, elements.count == count else {
            return
        }
        for index in progress.items.count..<min(count, progress.items.count + forEach.concurrency - inFlight) {
            scheduleItem(step, item: index, attempt: 1, count: count, items: elements)
        }
    }

    mutating func completeForEachIfDone(_ step: StepDefinition) {
        guard let progress = state?.steps[step.id], let count = progress.itemCount, progress.items.count == count,
            progress.items.values.allSatisfy({ $0.status == .completed })
        else { return }
        let outputs = (0..<count).map { progress.items[$0]?.output ?? .null }
        let duration = nowMs - (progress.scheduledAtMs ?? nowMs)
        emit(.stepCompleted(stepId: step.id, attempt: 1, item: nil, output: .array(outputs), durationMs: duration, cached: false))
        completedNow.insert(step.id)
        advanceAgain = true
        takeJump(after: step)
    }

    mutating func failBeforeStart(_ step: StepDefinition, _ error: StepError) {
        let attempt = (state?.steps[step.id]?.attempt ?? 0) + 1
        emit(.stepFailed(stepId: step.id, attempt: attempt, item: nil, error: error, retryable: false, durationMs: 0))
        failed(step, error)
    }

    mutating func completeIfDone() {
        guard let run = state, run.status == .running else { return }
        var last: JSONValue = .null
        for step in run.definition.steps {
            guard let progress = run.steps[step.id] else { return }
            switch progress.status {
            case .completed: last = progress.output ?? .null
            case .skipped: continue
            case .failed:
                let dependents = DefinitionChecks.dependents(of: step.id, in: run.definition)
                guard !dependents.isEmpty, dependents.allSatisfy({ $0.join == .collectAll }) else { return }
            default: return
            }
        }
        var output = last
        if let template = run.definition.output {
            do {
                output = try Template(parsing: template).render(in: run.context())
            } catch {
                emit(.failed(error: StepError(code: "output", message: "\(error)"), stepId: nil))
                return
            }
        }
        emit(.completed(output: output, durationMs: max(0, nowMs - run.startedAtMs)))
    }

    mutating func setSleepTimer(_ step: StepDefinition, attempt: Int, input: JSONValue) {
        var fireAt = nowMs
        if let text = input["duration"]?.stringValue, let milliseconds = DurationText.milliseconds(text) {
            fireAt = nowMs + milliseconds
        } else if let text = input["until"]?.stringValue, let date = RFC3339.parse(text) {
            fireAt = RFC3339.milliseconds(of: date)
        } else {
            failBeforeStart(step, StepError(code: "sleep", message: "sleep 'until' is not an RFC 3339 time: \(input["until"]?.jsonString ?? "null")"))
            return
        }
        emit(.timerSet(timerId: timerID(step.id, attempt: attempt, item: nil), stepId: step.id, fireAtMs: fireAt, purpose: .sleep))
    }
}
