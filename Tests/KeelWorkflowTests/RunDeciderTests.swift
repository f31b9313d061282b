import KeelCore
import KeelWorkflow
import Testing

/// Drives the decider like the executor does, with a manual clock, recording every event.
struct Driver {
    let decider = RunDecider()
    var state: RunState?
    var events: [RunEvent] = []
    var now: Int64 = 1_000_000

    init(_ definition: String, params: JSONValue = .object([:])) throws {
        let document = json(definition)
        let parsed = try WorkflowDefinition.parse(document)
        let start = RunStart(
            workflowId: parsed.id, workflowVersion: 1, definition: document, format: .keel, params: params,
            trigger: RunTrigger(kind: "api"), tenant: "acme")
        try send(.start(runId: "run-1", start))
    }

    mutating func send(_ command: RunDecider.Command) throws {
        var command = command
        while true {
            let decision = try decider.decide(command, state: state, nowMs: now)
            events += decision.events
            state = decision.state
            guard decision.advanceAgain, state?.isTerminal == false else { return }
            command = .advance
        }
    }

    func scheduled(_ step: String) -> (attempt: Int, input: JSONValue)? {
        for event in events.reversed() {
            if case .stepScheduled(step, let attempt, nil, _, let input) = event.fact { return (attempt, input) }
        }
        return nil
    }

    /// Folds the recorded events from nothing, as a replay would.
    var replayed: RunState? { events.reduce(nil) { RunState.evolve($0, $1) } }
}

@Suite("Run decider")
struct RunDeciderTests {
    @Test("a sequential set/transform workflow completes, one durable wave per step, and replays to the same state")
    func sequential() throws {
        let driver = try Driver(
            #"{"id":"wf","steps":[{"id":"a","kind":"set","value":{"n":"{{params.n}}"}},{"id":"b","kind":"transform","expression":"steps.a.output.n"},{"id":"c","kind":"set","value":"{{b.result}}"}]}"#,
            params: json(#"{"n": 5}"#))
        #expect(driver.state?.status == .completed)
        #expect(driver.state?.output == .int(5))
        #expect(driver.events.map(\.seq) == Array(1...Int64(driver.events.count)))
        #expect(driver.replayed == driver.state)
    }

    @Test("a side-effecting step is scheduled; a retryable failure retries after its backoff timer; success completes")
    func retries() throws {
        var driver = try Driver(
            #"{"id":"wf","steps":[{"id":"call","kind":"http","url":"https://example.com","retry":{"maximumAttempts":3,"initialInterval":"1s"}}]}"#)
        #expect(driver.scheduled("call")?.attempt == 1)
        try driver.send(
            .stepFinished(.init(stepId: "call", attempt: 1, result: .failure(StepError(code: "http-503", message: "down")), durationMs: 5)))
        guard case .stepRetryScheduled("call", nil, 2, 1000, let timerId)? = driver.events.last?.fact else {
            Issue.record("no retry: \(driver.events.last!.fact)")
            return
        }
        driver.now += 1000
        try driver.send(.timerFired(timerId: timerId))
        #expect(driver.scheduled("call")?.attempt == 2)
        try driver.send(.stepFinished(.init(stepId: "call", attempt: 2, result: .success(.object(["status": .int(200)])), durationMs: 7)))
        #expect(driver.state?.status == .completed)
        // A late outcome of the first attempt changes nothing.
        #expect(throws: RunRejection.self) {
            try driver.send(.stepFinished(.init(stepId: "call", attempt: 1, result: .success(.null), durationMs: 1)))
        }
        #expect(driver.replayed == driver.state)
    }

    @Test("exhausted retries pause the run (failed-waiting); resume runs the step again with a new attempt number")
    func failedWaiting() throws {
        var driver = try Driver(#"{"id":"wf","steps":[{"id":"call","kind":"http","url":"https://example.com"}]}"#)
        try driver.send(.stepFinished(.init(stepId: "call", attempt: 1, result: .failure(StepError(code: "http-500", message: "x")), durationMs: 1)))
        #expect(driver.state?.status == .failedWaiting)
        try driver.send(.resume(by: "ops"))
        #expect(driver.state?.status == .running)
        #expect(driver.scheduled("call")?.attempt == 2)
    }

    @Test("a missing template path fails the step, naming the step and the path")
    func missingPath() throws {
        let driver = try Driver(#"{"id":"wf","onFailure":"fail","steps":[{"id":"a","kind":"set","value":"{{params.customer.id}}"}]}"#)
        #expect(driver.state?.status == .failed)
        #expect(driver.state?.error?.code == "template")
        #expect(driver.state?.error?.message.contains("params.customer.id") == true)
        #expect(driver.state?.error?.message.contains("step a") == true)
    }

    @Test("a false condition skips the step and the run goes on")
    func condition() throws {
        let driver = try Driver(
            #"{"id":"wf","steps":[{"id":"a","kind":"set","value":1,"condition":"params.go"},{"id":"b","kind":"set","value":2}]}"#,
            params: json(#"{"go": false}"#))
        #expect(driver.state?.steps["a"]?.status == .skipped)
        #expect(driver.state?.output == .int(2))
    }

    @Test("a backward jump loops at most maxIterations times")
    func loop() throws {
        let driver = try Driver(
            #"{"id":"wf","steps":[{"id":"a","kind":"set","value":1},{"id":"b","kind":"set","value":2,"jump":{"to":"a","maxIterations":3}}]}"#)
        #expect(driver.state?.status == .completed)
        #expect(driver.state?.jumpsTaken["b"] == 3)
        let completions = driver.events.filter { if case .stepCompleted("a", _, _, _, _, _) = $0.fact { return true } else { return false } }
        #expect(completions.count == 4)
        #expect(driver.replayed == driver.state)
    }

    @Test("dependsOn: parallel branches start in one wave; a collect-all join runs after a branch failure")
    func dag() throws {
        var driver = try Driver(
            #"{"id":"wf","steps":[{"id":"x","kind":"http","url":"https://a","dependsOn":[]},{"id":"y","kind":"http","url":"https://b","dependsOn":[]},{"id":"join","kind":"set","value":"{{steps.x.status}}","dependsOn":["x","y"],"join":"collect-all"}]}"#
        )
        #expect(driver.scheduled("x") != nil && driver.scheduled("y") != nil)
        try driver.send(
            .stepFinished(
                .init(stepId: "x", attempt: 1, result: .failure(StepError(code: "http-404", message: "no")), retryable: false, durationMs: 1)))
        #expect(driver.state?.status == .running)
        try driver.send(.stepFinished(.init(stepId: "y", attempt: 1, result: .success(.int(1)), durationMs: 1)))
        #expect(driver.state?.status == .completed)
        #expect(driver.state?.output == .string("failed"))
    }

    @Test("forEach runs each element (up to the concurrency) and keeps input order")
    func forEach() throws {
        var driver = try Driver(
            #"{"id":"wf","steps":[{"id":"each","kind":"http","url":"https://x/{{item}}","forEach":{"items":"{{params.ids}}","concurrency":2}}]}"#,
            params: json(#"{"ids": [1, 2, 3]}"#))
        let first = driver.events.filter { if case .stepScheduled("each", _, .some, _, _) = $0.fact { return true } else { return false } }
        #expect(first.count == 2)
        try driver.send(.stepFinished(.init(stepId: "each", attempt: 1, item: 1, result: .success(.string("b")), durationMs: 1)))
        try driver.send(.stepFinished(.init(stepId: "each", attempt: 1, item: 0, result: .success(.string("a")), durationMs: 1)))
        try driver.send(.stepFinished(.init(stepId: "each", attempt: 1, item: 2, result: .success(.string("c")), durationMs: 1)))
        #expect(driver.state?.output == .array([.string("a"), .string("b"), .string("c")]))
        #expect(driver.replayed == driver.state)
    }

    @Test("cancel ends a running run; a second cancel is refused; a stale event number is ignored on replay")
    func cancel() throws {
        var driver = try Driver(#"{"id":"wf","steps":[{"id":"wait","kind":"sleep","duration":"1h"}]}"#)
        try driver.send(.cancel(reason: "no longer needed", by: "ops"))
        #expect(driver.state?.status == .cancelled)
        #expect(throws: RunRejection.self) { try driver.send(.cancel(reason: "again", by: "ops")) }
        var forged = driver.events[1]
        forged.fact = .completed(output: .null, durationMs: 0)
        let replayed = (driver.events.prefix(2) + [forged] + driver.events.dropFirst(2)).reduce(nil) { RunState.evolve($0, $1) }
        #expect(replayed?.steps == driver.replayed?.steps)
    }

    @Test("a sleep step sets a timer and completes when it fires")
    func sleep() throws {
        var driver = try Driver(#"{"id":"wf","steps":[{"id":"nap","kind":"sleep","duration":"5s"},{"id":"after","kind":"set","value":"done"}]}"#)
        guard case .timerSet(let timerId, "nap", let fireAt, .sleep)? = driver.events.last?.fact else {
            Issue.record("no timer")
            return
        }
        #expect(fireAt == driver.now + 5000)
        driver.now = fireAt
        try driver.send(.timerFired(timerId: timerId))
        #expect(driver.state?.output == .string("done"))
    }
}
