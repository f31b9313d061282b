import Foundation
import KeelCore
import KeelExecutor
import KeelLog
import KeelWorkflow
import Synchronization

/// Drives runs through the executor and watches `keel.workflow.runs` for their steps and ends.
final class WorkflowBenchWorkload: Sendable {
    struct Watch {
        var waiters: [String: CheckedContinuation<Void, Never>] = [:]
        var ended: Set<String> = []
        var stepTimes: [String: [ContinuousClock.Instant]] = [:]
        var endedAtMs: [String: Int64] = [:]
    }

    let log: any EventLog
    let writer: KeelEventWriter
    let requests: RunRequests
    let state = Mutex(Watch())
    static let tenant = "bench"

    init(log: any EventLog, writer: KeelEventWriter) {
        self.log = log
        self.writer = writer
        self.requests = RunRequests(writer: writer)
    }

    /// Follows the runs topic from its start until cancelled.
    func watch() async throws -> String? {
        let partitions = try await log.describeTopic(RunRequests.runsTopic)?.partitions ?? 1
        let consumer = try await log.makeConsumer(
            ConsumerConfiguration(
                subscription: .partitions((0..<partitions).map { TopicPartition(RunRequests.runsTopic, Int32($0)) }), start: .earliest,
                maxBatchSize: 5000))
        while !Task.isCancelled {
            guard case .records(let records)? = try? await consumer.poll(timeout: .milliseconds(100)) else { continue }
            let now = ContinuousClock.now
            let wall = WallClock.nowMs()
            var resumed: [CheckedContinuation<Void, Never>] = []
            state.withLock { watch in
                for record in records {
                    guard let event = try? KafkaBinding.decodeStamped(key: record.key, value: record.value, headers: record.headers),
                        let data = event.jsonData, let runEvent = RunEvent(type: event.type, data: data)
                    else { continue }
                    switch runEvent.fact {
                    case .started, .stepCompleted: watch.stepTimes[runEvent.runId, default: []].append(now)
                    case .completed, .failed, .cancelled, .terminated:
                        watch.endedAtMs[runEvent.runId] = wall
                        if let waiter = watch.waiters.removeValue(forKey: runEvent.runId) {
                            resumed.append(waiter)
                        } else {
                            watch.ended.insert(runEvent.runId)
                        }
                    default: continue
                    }
                }
            }
            for waiter in resumed { waiter.resume() }
        }
        try? await consumer.close()
        return nil
    }

    /// Starts a run and returns when it has ended.
    func run(_ version: WorkflowVersion, runId: String, params: JSONValue = .object([:])) async throws {
        try await requests.start(
            tenant: Self.tenant, runId: runId, version: version, input: params, trigger: RunTrigger(kind: "api"), nowMs: WallClock.nowMs())
        await withCheckedContinuation { continuation in
            let done = state.withLock { watch -> Bool in
                if watch.ended.remove(runId) != nil { return true }
                watch.waiters[runId] = continuation
                return false
            }
            if done { continuation.resume() }
        }
    }

    static func version(_ text: String) throws -> WorkflowVersion {
        let definition = try WorkflowDefinition.parse(try JSONValue.parse(text))
        return WorkflowVersion(tenant: tenant, workflowId: definition.id, version: 1, definition: definition, createdAtMs: 0)
    }

    static func setSteps(_ count: Int) -> String {
        let steps = (1...count).map { #"{"id":"s\#($0)","kind":"set","value":\#($0)}"# }.joined(separator: ",")
        return #"{"id":"bench-\#(count)","steps":[\#(steps)]}"#
    }

    /// Per-step overhead: the time between consecutive recorded completions of a 10-step run.
    func perStep(runs: Int) async throws -> [Double] {
        let version = try Self.version(Self.setSteps(10))
        var deltas: [Double] = []
        for index in 0..<runs {
            let runId = "serial-\(index)"
            try await run(version, runId: runId)
            let times = state.withLock { $0.stepTimes.removeValue(forKey: runId) } ?? []
            for pair in zip(times, times.dropFirst()) { deltas.append((pair.1 - pair.0).milliseconds) }
        }
        return deltas
    }

    /// Runs/s with `concurrency` runs in flight, and each run's start-to-complete latency.
    func throughput(runs: Int, concurrency: Int) async throws -> (Double, [Double]) {
        let version = try Self.version(Self.setSteps(3))
        let next = BenchCounter()
        let started = ContinuousClock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var mine: [Double] = []
                    while true {
                        let index = next.take()
                        guard index < runs else { return mine }
                        let begin = ContinuousClock.now
                        try await self.run(version, runId: "load-\(index)")
                        mine.append((ContinuousClock.now - begin).milliseconds)
                    }
                }
            }
            var all: [Double] = []
            for try await part in group { all += part }
            return all
        }
        let seconds = (ContinuousClock.now - started).milliseconds / 1000
        return (Double(runs) / seconds, latencies)
    }

    /// Timer lateness: each run sleeps until a random instant 0–5 s ahead; lateness is when its
    /// end was observed minus that instant.
    func timers(count: Int) async throws -> [Double] {
        let version = try Self.version(#"{"id":"nap","steps":[{"id":"s","kind":"sleep","until":"{{params.at}}"}]}"#)
        var generator = SystemRandomNumberGenerator()
        let plans = (0..<count).map { _ in Int64.random(in: 0...5000, using: &generator) }
        let fireAt = BenchBox<[String: Int64]>([:])
        let next = BenchCounter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    while true {
                        let index = next.take()
                        guard index < count else { return }
                        let at = WallClock.nowMs() + plans[index]
                        let runId = "sleep-\(index)"
                        fireAt.value.withLock { $0[runId] = at }
                        try await self.run(version, runId: runId, params: .object(["at": .string(RFC3339.format(milliseconds: at))]))
                    }
                }
            }
            try await group.waitForAll()
        }
        let ends = state.withLock { $0.endedAtMs }
        return fireAt.value.withLock { plans in plans.compactMap { runId, at in ends[runId].map { Double($0 - at) } } }
    }

    /// The floor: one event produced, acknowledged (durable) and consumed, one at a time.
    static func floor(log: any EventLog, writer: KeelEventWriter, trips: Int) async throws -> [Double] {
        let topic = "keel.bench.floor"
        _ = try await log.createTopic(TopicSpec(name: topic, partitions: 1))
        let consumer = try await log.makeConsumer(ConsumerConfiguration(subscription: .partitions([TopicPartition(topic, 0)]), start: .earliest))
        var samples: [Double] = []
        let value = Array(#"{"runId":"floor","seq":2,"stepId":"s1","attempt":1,"durationMs":0,"result":1}"#.utf8)
        for index in 0..<trips {
            let begin = ContinuousClock.now
            _ = try await log.produce(OutgoingRecord(key: Array("bench/floor-\(index)".utf8), value: value), to: topic)
            var received = false
            while !received {
                if case .records? = try await consumer.poll(timeout: .seconds(5)) { received = true }
            }
            samples.append((ContinuousClock.now - begin).milliseconds)
        }
        try await consumer.close()
        return samples
    }
}

/// A shared index for the bench's workers.
final class BenchCounter: Sendable {
    private let value = Mutex(0)

    func take() -> Int {
        value.withLock { current in
            defer { current += 1 }
            return current
        }
    }
}

/// A value behind a lock, shared by the bench's workers.
final class BenchBox<Value: Sendable>: Sendable {
    let value: Mutex<Value>
    init(_ initial: Value) { value = Mutex(initial) }
}
