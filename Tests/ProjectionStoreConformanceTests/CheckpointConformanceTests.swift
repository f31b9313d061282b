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
            #expect(try await store.checkpoint(p.target) == ProjectionCheckpoint(positions: [LogPosition("t", 0): 10, LogPosition("t", 1): 5, LogPosition("u", 0): 1]))
            // Checkpoints are per generation.
            #expect(try await store.checkpoint(CollectionSet(projection: p.target.projection, generation: "g1")) == nil)
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
