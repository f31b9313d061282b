import Foundation
import KeelCore
import KeelStore
import Testing

extension ProjectionStoreConformance {
    @Test("checkpoints are stored with the batch; a replayed batch is skipped and changes nothing", arguments: StoreUnderTest.allCases)
    func duplicateBatch(_ kind: StoreUnderTest) async throws {
        try await withStore(kind) { store in
            let p = Projection(store)
            let initial = try await store.checkpoint(p.target)
            #expect(initial == nil)
            let batch = p.batch([p.upsert("a", DocumentUpdate(inc: ["n": .int(1)]))], positions: [LogPosition("t", 0): 10, LogPosition("t", 1): 4])
            #expect(try await store.apply(batch) == .applied)
            #expect(try await store.apply(batch) == .skippedAsDuplicate)
            #expect(try await p.find("a")?["n"] == .int(1))
            #expect(try await store.checkpoint(p.target) == ProjectionCheckpoint(positions: [LogPosition("t", 0): 10, LogPosition("t", 1): 4]))
            // One partition behind is enough to skip the whole batch.
            let mixed = p.batch([p.upsert("a", DocumentUpdate(inc: ["n": .int(1)]))], positions: [LogPosition("t", 0): 11, LogPosition("t", 1): 4])
            #expect(try await store.apply(mixed) == .skippedAsDuplicate)
            #expect(try await p.find("a")?["n"] == .int(1))
            // A new partition and an advanced one apply.
            let ahead = p.batch([p.upsert("a", DocumentUpdate(inc: ["n": .int(1)]))], positions: [LogPosition("t", 1): 5, LogPosition("u", 0): 1])
            #expect(try await store.apply(ahead) == .applied)
            #expect(try await p.find("a")?["n"] == .int(2))
            #expect(
                try await store.checkpoint(p.target)
                    == ProjectionCheckpoint(positions: [LogPosition("t", 0): 10, LogPosition("t", 1): 5, LogPosition("u", 0): 1]))
            // Checkpoints are per generation.
            #expect(try await store.checkpoint(CollectionSet(projection: p.target.projection, generation: "g1")) == nil)
        }
    }

    /// One increment of document "a" moving partition t[0] to `next`, expecting `stored` there.
    private static func increment(_ p: Projection, to next: Int64, expecting stored: Int64?) -> ProjectionBatch {
        let t0 = LogPosition("t", 0)
        var batch = p.batch([p.upsert("a", DocumentUpdate(inc: ["n": .int(1)]))], positions: [t0: next])
        batch.expected = ProjectionCheckpoint(positions: stored.map { [t0: $0] } ?? [:])
        return batch
    }

    @Test("a batch expecting another stored checkpoint changes nothing", arguments: StoreUnderTest.allCases)
    func expectedCheckpointGuard(kind: StoreUnderTest) async throws {
        try await withStore(kind) { store in
            let p = Projection(store)
            let t0 = LogPosition("t", 0)
            // Expecting a stored position when there is none: skipped.
            let refused = try await store.apply(Self.increment(p, to: 5, expecting: 3))
            #expect(refused == .skippedAsDuplicate)
            #expect(try await store.checkpoint(p.target) == nil)
            // Expecting nothing stored, and nothing is: applied.
            #expect(try await store.apply(Self.increment(p, to: 5, expecting: nil)) == .applied)
            // Someone else moved the checkpoint to 9 (a promoted replay, another member).
            #expect(try await store.apply(p.batch([], positions: [t0: 9])) == .applied)
            // A writer that still believes 5 is stored is ahead (12 > 9) but must not apply.
            #expect(try await store.apply(Self.increment(p, to: 12, expecting: 5)) == .skippedAsDuplicate)
            #expect(try await p.find("a")?["n"] == .int(1))
            #expect(try await store.checkpoint(p.target) == ProjectionCheckpoint(positions: [t0: 9]))
            // After re-reading the checkpoint it applies.
            #expect(try await store.apply(Self.increment(p, to: 12, expecting: 9)) == .applied)
            #expect(try await p.find("a")?["n"] == .int(2))
        }
    }

    @Test("two writers on different projections, concurrently", arguments: StoreUnderTest.allCases)
    func concurrentWriters(_ kind: StoreUnderTest) async throws {
        try await withStore(kind) { store in
            let projections = [Projection(store), Projection(store), Projection(store)]
            try await withThrowingTaskGroup(of: Void.self) { group in
                for projection in projections {
                    group.addTask {
                        var p = projection
                        for round in 0..<40 {
                            try await p.apply([
                                p.upsert("counter", DocumentUpdate(inc: ["n": .int(1)])),
                                p.upsert("r\(round % 5)", DocumentUpdate(inc: ["n": .int(1)])),
                            ])
                        }
                    }
                }
                try await group.waitForAll()
            }
            for p in projections {
                #expect(try await p.find("counter")?["n"] == .int(40))
                #expect(try await p.count() == 6)
                #expect(try await store.checkpoint(p.target) == ProjectionCheckpoint(positions: [LogPosition("t", 0): 80]))
            }
        }
    }

    @Test("after shutdown every call fails with closed", arguments: StoreUnderTest.allCases)
    func shutdownCloses(_ kind: StoreUnderTest) async throws {
        try await withStore(kind) { store in
            var p = Projection(store)
            try await p.apply([p.upsert("a", DocumentUpdate(inc: ["n": .int(1)]))])
            try await store.shutdown()
            try await store.shutdown()  // idempotent
            for (name, call) in [
                ("apply", { _ = try await store.apply(p.batch([], positions: [:])) }),
                ("find", { _ = try await p.find("a") }),
                ("query", { _ = try await p.query() }),
                ("count", { _ = try await p.count() }),
                ("checkpoint", { _ = try await store.checkpoint(p.target) }),
                ("generations", { _ = try await store.generations(of: p.target.projection) }),
            ] as [(String, () async throws -> Void)] {
                let error = await #expect(throws: StoreError.self, "\(name)") { try await call() }
                #expect(error?.code == .closed, "\(name)")
            }
        }
    }
}
