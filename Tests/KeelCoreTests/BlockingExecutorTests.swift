import Dispatch
import Foundation
import Synchronization
import Testing

@testable import KeelCore

/// The executor that runs blocking C calls: bounded threads, FIFO, a bounded queue, cancellable while queued.
@Suite("BlockingExecutor")
struct BlockingExecutorTests {
    @Test func neverRunsMoreThanItsThreadsAtOnce() async throws {
        let executor = BlockingExecutor(name: "test-bound", threadCount: 2, queueLimit: 16)
        defer { executor.shutdown() }
        let running = Shared(0)
        let peak = Shared(0)
        try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<8 {
                group.addTask {
                    try await executor.run {
                        let now = running.update {
                            $0 += 1; return $0
                        }
                        peak.update { $0 = max($0, now) }
                        Thread.sleep(forTimeInterval: 0.02)
                        running.update { $0 -= 1 }
                        return i
                    }
                }
            }
            var finished = 0
            for try await _ in group { finished += 1 }
            #expect(finished == 8)
        }
        #expect(peak.value == 2)
    }

    @Test func queuedWorkStartsInSubmissionOrder() async throws {
        let executor = BlockingExecutor(name: "test-fifo", threadCount: 1, queueLimit: 16)
        defer { executor.shutdown() }
        let blocker = Blocker(executor)
        try await blocker.occupy()
        let order = Shared<[Int]>([])
        var tasks: [Task<Void, Error>] = []
        for i in 0..<5 {
            tasks.append(Task { try await executor.run { order.update { $0.append(i) } } })
            try await waitUntil { executor.queuedCount == i + 1 }
        }
        blocker.release()
        for task in tasks { try await task.value }
        #expect(order.value == [0, 1, 2, 3, 4])
    }

    @Test func errorsOfTheBodyReachTheCaller() async throws {
        struct Boom: Error {}
        let executor = BlockingExecutor(name: "test-error", threadCount: 1, queueLimit: 1)
        defer { executor.shutdown() }
        await #expect(throws: Boom.self) { try await executor.run { throw Boom() } }
    }

    @Test func cancellingQueuedWorkRemovesItAndResumesTheCaller() async throws {
        let executor = BlockingExecutor(name: "test-cancel", threadCount: 1, queueLimit: 16)
        defer { executor.shutdown() }
        let blocker = Blocker(executor)
        try await blocker.occupy()
        let ran = Shared(false)
        let queued = Task { try await executor.run { ran.update { $0 = true } } }
        try await waitUntil { executor.queuedCount == 1 }
        queued.cancel()
        // The caller resumes while the only thread is still busy: the work was taken out of the queue.
        await #expect(throws: CancellationError.self) { try await queued.value }
        #expect(executor.queuedCount == 0)
        blocker.release()
        // FIFO: had the cancelled work stayed queued, it would run before this.
        try await executor.run {}
        #expect(!ran.value)
    }

    @Test func cancellingRunningWorkLetsItComplete() async throws {
        let executor = BlockingExecutor(name: "test-running", threadCount: 1, queueLimit: 16)
        defer { executor.shutdown() }
        let started = Shared(false)
        let gate = DispatchSemaphore(value: 0)
        let task = Task {
            try await executor.run { () -> Int in
                started.update { $0 = true }
                gate.wait()
                return 5
            }
        }
        try await waitUntil { started.value }
        task.cancel()
        gate.signal()
        #expect(try await task.value == 5)
    }

    @Test func anAlreadyCancelledTaskDoesNotQueueWork() async throws {
        let executor = BlockingExecutor(name: "test-precancel", threadCount: 1, queueLimit: 16)
        defer { executor.shutdown() }
        let ran = Shared(false)
        let task = Task {
            while !Task.isCancelled { await Task.yield() }
            try await executor.run { ran.update { $0 = true } }
        }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        try await executor.run {}
        #expect(!ran.value)
    }

    @Test func workThatIsNotCancellableRunsForACancelledCaller() async throws {
        let executor = BlockingExecutor(name: "test-uncancellable", threadCount: 1, queueLimit: 16)
        defer { executor.shutdown() }
        let blocker = Blocker(executor)
        try await blocker.occupy()
        let queued = Task { try await executor.run(cancellable: false) { 42 } }
        try await waitUntil { executor.queuedCount == 1 }
        queued.cancel()
        blocker.release()
        #expect(try await queued.value == 42)
    }

    @Test func aFullQueueRefusesAtOnceWithTheMappedError() async throws {
        struct Saturated: Error { let refusal: BlockingExecutorRefusal }
        let executor = BlockingExecutor(name: "test-bounded", threadCount: 1, queueLimit: 2) { Saturated(refusal: $0) }
        defer { executor.shutdown() }
        let blocker = Blocker(executor)
        try await blocker.occupy()
        let first = Task { try await executor.run { 1 } }
        let second = Task { try await executor.run { 2 } }
        try await waitUntil { executor.queuedCount == 2 }
        await #expect {
            try await executor.run { 3 }
        } throws: {
            ($0 as? Saturated)?.refusal.reason == .queueFull
        }
        #expect(throws: Saturated.self) { try executor.execute {} }
        blocker.release()
        #expect(try await first.value == 1)
        #expect(try await second.value == 2)
        // Room again once the queue drained.
        #expect(try await executor.run { 4 } == 4)
    }

    @Test func afterShutdownNewWorkFailsAndQueuedWorkStillRuns() async throws {
        let executor = BlockingExecutor(name: "test-shutdown", threadCount: 1, queueLimit: 16)
        let blocker = Blocker(executor)
        try await blocker.occupy()
        let queued = Task { try await executor.run { 7 } }
        try await waitUntil { executor.queuedCount == 1 }
        executor.shutdown()
        await #expect {
            try await executor.run { 1 }
        } throws: {
            ($0 as? BlockingExecutorRefusal)?.reason == .shutDown
        }
        blocker.release()
        #expect(try await queued.value == 7)
    }

    @Test func shutdownWaitsForTheThreadsAndRunsTheFinalizerLast() async throws {
        let executor = BlockingExecutor(name: "test-finally", threadCount: 3, queueLimit: 16)
        let events = Shared<[String]>([])
        let gate = DispatchSemaphore(value: 0)
        let started = Shared(0)
        let jobs = (0..<3).map { i in
            Task {
                try await executor.run {
                    started.update { $0 += 1 }
                    gate.wait()
                    events.update { $0.append("job \(i)") }
                }
            }
        }
        try await waitUntil { started.value == 3 }
        let shutdown = Task { await executor.shutdown { events.update { $0.append("finally") } } }
        for _ in 0..<3 { gate.signal() }
        await shutdown.value
        for job in jobs { try await job.value }
        #expect(events.value.count == 4)
        #expect(events.value.last == "finally")
        // Again, once the threads are gone: returns at once and still runs its finalizer.
        let again = Shared(false)
        await executor.shutdown { again.update { $0 = true } }
        #expect(again.value)
    }

    @Test func executeRunsWithoutAWaitingCaller() async throws {
        let executor = BlockingExecutor(name: "test-execute", threadCount: 1, queueLimit: 4)
        let ran = Shared(false)
        try executor.execute { ran.update { $0 = true } }
        await executor.shutdown(finally: nil)
        #expect(ran.value)
    }

    @Test func ringBufferKeepsOrderAcrossWrapAroundAndRemoval() {
        var buffer = RingBuffer<Int>()
        for i in 0..<10 { buffer.append(i) }
        for i in 0..<8 { #expect(buffer.popFirst() == i) }
        for i in 10..<30 { buffer.append(i) }  // wraps, then grows
        #expect(buffer.remove(firstWhere: { $0 == 15 }) == 15)
        #expect(buffer.remove(firstWhere: { $0 == 99 }) == nil)
        var drained: [Int] = []
        while let next = buffer.popFirst() { drained.append(next) }
        #expect(drained == [8, 9] + Array(10..<15) + Array(16..<30))
        #expect(buffer.isEmpty)
    }
}

/// A value that test closures on other threads read and update.
private final class Shared<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    var value: Value { mutex.withLock { $0 } }
    @discardableResult
    func update<R: Sendable>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
}

/// Occupies one executor thread until released (the wait happens on the executor's thread).
private final class Blocker: Sendable {
    let executor: BlockingExecutor
    let gate = DispatchSemaphore(value: 0)
    let started = Shared(false)

    init(_ executor: BlockingExecutor) { self.executor = executor }

    func occupy() async throws {
        let (gate, started) = (gate, started)
        Task {
            try await executor.run {
                started.update { $0 = true }
                gate.wait()
            }
        }
        try await waitUntil { started.value }
    }

    func release() { gate.signal() }
}

/// Polls `condition` (the executor offers nothing to await for these states); generous bound for slow machines.
private func waitUntil(_ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now.advanced(by: .seconds(30))
    while !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("condition not met within 30 s")
            return
        }
        try await Task.sleep(for: .milliseconds(1))
    }
}
