import Dispatch
import Foundation
import KeelLog
import Synchronization
import Testing

@testable import KeelKafka

/// The executor that runs blocking librdkafka calls: bounded threads, FIFO, cancellable while queued.
@Suite("RDBlockingExecutor")
struct RDBlockingExecutorTests {
    @Test func neverRunsMoreThanItsThreadsAtOnce() async throws {
        let executor = RDBlockingExecutor(threadCount: 2, name: "test-bound")
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
        let executor = RDBlockingExecutor(threadCount: 1, name: "test-fifo")
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

    @Test func cancellingQueuedWorkRemovesItAndResumesTheCaller() async throws {
        let executor = RDBlockingExecutor(threadCount: 1, name: "test-cancel")
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

    @Test func anAlreadyCancelledTaskDoesNotQueueWork() async throws {
        let executor = RDBlockingExecutor(threadCount: 1, name: "test-precancel")
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
        let executor = RDBlockingExecutor(threadCount: 1, name: "test-uncancellable")
        defer { executor.shutdown() }
        let blocker = Blocker(executor)
        try await blocker.occupy()
        let queued = Task { try await executor.run(cancellable: false) { 42 } }
        try await waitUntil { executor.queuedCount == 1 }
        queued.cancel()
        blocker.release()
        #expect(try await queued.value == 42)
    }

    @Test func afterShutdownNewWorkFailsAndQueuedWorkStillRuns() async throws {
        let executor = RDBlockingExecutor(threadCount: 1, name: "test-shutdown")
        let blocker = Blocker(executor)
        try await blocker.occupy()
        let queued = Task { try await executor.run { 7 } }
        try await waitUntil { executor.queuedCount == 1 }
        executor.shutdown()
        await #expect { try await executor.run { 1 } } throws: { ($0 as? EventLogError)?.code == .closed }
        blocker.release()
        #expect(try await queued.value == 7)
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
    let executor: RDBlockingExecutor
    let gate = DispatchSemaphore(value: 0)
    let started = Shared(false)

    init(_ executor: RDBlockingExecutor) { self.executor = executor }

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
