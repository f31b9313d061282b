import Foundation
import KeelCore
import KeelStore
import Testing

extension ProjectionStoreConformance {
    @Test("a unique index violation rolls back the whole batch and leaves the checkpoint", arguments: StoreUnderTest.allCases)
    func uniqueIndex(_ kind: StoreUnderTest) async throws {
        try await withStore(kind) { store in
            var p = Projection(store)
            let unique = IndexSpec(name: "by_email", fields: [SortField("email")], unique: true)
            try await store.ensureIndexes(p.target, collection: p.collection, indexes: [unique])
            try await store.ensureIndexes(p.target, collection: p.collection, indexes: [unique])  // idempotent
            try await p.apply([p.upsert("a", DocumentUpdate(set: ["email": .string("x@example.com")]))])
            let checkpoint = try await store.checkpoint(p.target)
            let error = await #expect(throws: StoreError.self) {
                try await store.apply(
                    p.batch(
                        [
                            p.upsert("b", DocumentUpdate(set: ["email": .string("y@example.com")])),
                            p.upsert("a", DocumentUpdate(inc: ["n": .int(1)])),
                            p.upsert("c", DocumentUpdate(set: ["email": .string("x@example.com")])),
                        ], positions: [LogPosition("t", 0): 1000]))
            }
            #expect(error?.code == .duplicateKey)
            #expect(try await p.find("b") == nil)
            #expect(try await p.find("c") == nil)
            #expect(try await p.find("a")?["n"] == nil)
            #expect(try await store.checkpoint(p.target) == checkpoint)
            // Moving a key from one document to another within a batch is fine.
            try await p.apply([
                p.upsert("a", DocumentUpdate(set: ["email": .string("z@example.com")])),
                p.upsert("c", DocumentUpdate(set: ["email": .string("x@example.com")])),
            ])
            #expect(try await p.count() == 2)
            // After a delete, the key is free again.
            try await p.apply([p.delete("c")])
            try await p.apply([p.upsert("d", DocumentUpdate(set: ["email": .string("x@example.com")]))])
            #expect(try await p.find("d") != nil)
        }
    }

    @Test("declaring a unique index over colliding documents fails", arguments: StoreUnderTest.allCases)
    func uniqueIndexOnExisting(_ kind: StoreUnderTest) async throws {
        try await withStore(kind) { store in
            var p = Projection(store)
            try await p.apply([p.upsert("a", DocumentUpdate(set: ["k": .int(1)])), p.upsert("b", DocumentUpdate(set: ["k": .double(1)]))])
            let error = await #expect(throws: StoreError.self) {
                try await store.ensureIndexes(
                    p.target, collection: p.collection, indexes: [IndexSpec(name: "k", fields: [SortField("k")], unique: true)])
            }
            #expect(error?.code == .duplicateKey)
        }
    }

    @Test("TTL: expired documents are invisible to reads", arguments: StoreUnderTest.allCases)
    func ttl(_ kind: StoreUnderTest) async throws {
        try await withStore(kind) { store in
            var p = Projection(store)
            try await store.ensureIndexes(
                p.target, collection: p.collection, indexes: [IndexSpec(name: "ttl", fields: [SortField("at")], expireAfterSeconds: 3600)])
            let now = nowMs()
            try await p.apply([
                p.upsert("old", DocumentUpdate(set: ["at": .date(now - 2 * 3_600_000), "n": .int(1)])),
                p.upsert("fresh", DocumentUpdate(set: ["at": .date(now), "n": .int(1)])),
                p.upsert("undated", DocumentUpdate(set: ["at": .string("not a date"), "n": .int(1)])),
            ])
            #expect(try await p.find("old") == nil)
            #expect(try await p.find("fresh") != nil)
            #expect(ids(try await p.all()) == ["fresh", "undated"])
            #expect(try await p.count() == 2)
            #expect(try await p.count([FieldFilter("n", .equals(.int(1)))]) == 2)
            let rows = try await p.aggregate(metrics: [Metric("n", .count)])
            #expect(rows.first?.values["n"] == .int(2))
            // An upsert of an expired document starts a new one.
            try await p.apply([p.upsert("old", DocumentUpdate(setOnInsert: ["at": .date(now)], inc: ["n": .int(1)]))])
            #expect(try await p.find("old")?["n"] == .int(1))
        }
    }
}
