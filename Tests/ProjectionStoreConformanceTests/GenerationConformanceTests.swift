import Foundation
import KeelCore
import KeelStore
import KeelTestSupport
import Testing

extension ProjectionStoreConformance {
    @Test(
        "a shadow generation is invisible to live reads until promote; promote swaps documents, indexes and checkpoint",
        arguments: StoreUnderTest.allCases)
    func shadowAndPromote(_ kind: StoreUnderTest) async throws {
        try await withStore(kind) { store in
            var live = Projection(store)
            var shadow = Projection(store, generation: "r1", projection: live.target.projection, collection: live.collection)
            try await live.apply([
                live.upsert("a", DocumentUpdate(set: ["gen": .string("old")])), live.upsert("old-only", DocumentUpdate(set: ["gen": .string("old")])),
            ])
            try await store.ensureIndexes(
                shadow.target, collection: shadow.collection, indexes: [IndexSpec(name: "u", fields: [SortField("key")], unique: true)])
            try await shadow.apply([
                shadow.upsert("a", DocumentUpdate(set: ["gen": .string("new"), "key": .int(1)])),
                shadow.upsert("new-only", DocumentUpdate(set: ["gen": .string("new"), "key": .int(2)])),
            ])
            try await shadow.apply([shadow.upsert("b", DocumentUpdate(set: ["gen": .string("new"), "key": .int(3)]))])

            #expect(try await store.generations(of: live.target.projection) == [live.target, shadow.target])
            #expect(ids(try await live.all()) == ["a", "old-only"])
            #expect(try await live.find("a")?["gen"] == .string("old"))
            #expect(try await live.find("new-only") == nil)
            #expect(try await live.count() == 2)
            #expect(ids(try await shadow.all()) == ["a", "b", "new-only"])
            #expect(try await store.checkpoint(live.target) == ProjectionCheckpoint(positions: [LogPosition("t", 0): 2]))
            #expect(try await store.checkpoint(shadow.target) == ProjectionCheckpoint(positions: [LogPosition("t", 0): 3]))

            try await store.promote(shadow.target, collections: [shadow.collection])
            #expect(try await store.generations(of: live.target.projection) == [live.target])
            #expect(ids(try await live.all()) == ["a", "b", "new-only"])
            #expect(try await live.find("old-only") == nil)
            #expect(try await shadow.count() == 0)
            #expect(try await store.checkpoint(live.target) == ProjectionCheckpoint(positions: [LogPosition("t", 0): 3]))
            #expect(try await store.checkpoint(shadow.target) == nil)
            // The shadow's unique index now guards the live collection.
            let error = await #expect(throws: StoreError.self) {
                try await store.apply(live.batch([live.upsert("c", DocumentUpdate(set: ["key": .int(1)]))], positions: [LogPosition("t", 0): 10]))
            }
            #expect(error?.code == .duplicateKey)
            // Promoting a generation that does not exist is refused (and never wipes live).
            await #expect(throws: StoreError.self) {
                try await store.promote(CollectionSet(projection: live.target.projection, generation: "nope"), collections: [live.collection])
            }
            #expect(try await live.count() == 3)
        }
    }

    @Test("readers querying in a loop never see a mix of generations during promote", arguments: StoreUnderTest.allCases)
    func promoteIsAtomic(_ kind: StoreUnderTest) async throws {
        try await withStore(kind) { store in
            var live = Projection(store)
            var shadow = Projection(store, generation: "r2", projection: live.target.projection, collection: live.collection)
            try await live.apply((0..<60).map { live.upsert(String(format: "o%03d", $0), DocumentUpdate(set: ["gen": .string("old")])) })
            try await shadow.apply((0..<90).map { shadow.upsert(String(format: "n%03d", $0), DocumentUpdate(set: ["gen": .string("new")])) })
            let reader = live
            let (shadowTarget, collection) = (shadow.target, shadow.collection)
            let observations = try await withThrowingTaskGroup(of: [String].self) { group in
                group.addTask {
                    var seen: [String] = []
                    var newSeen = 0
                    while newSeen < 5 {
                        let page = try await reader.query(limit: 500)
                        let generations = Set(page.documents.compactMap { $0["gen"]?.stringValue })
                        let count = try await reader.count()
                        seen.append("\(generations.sorted().joined(separator: "+")):\(page.documents.count):\(count)")
                        if generations == ["new"] { newSeen += 1 }
                        if seen.count > 100_000 { break }
                    }
                    return seen
                }
                group.addTask {
                    try await Task.sleep(for: .milliseconds(20))
                    try await store.promote(shadowTarget, collections: [collection])
                    return []
                }
                var all: [String] = []
                for try await part in group { all += part }
                return all
            }
            let distinct = Set(observations.map { $0.split(separator: ":").prefix(2).joined(separator: ":") })
            #expect(distinct.isSubset(of: ["old:60", "new:90"]), "a reader saw a mix: \(distinct)")
            #expect(distinct.contains("new:90"))
            #expect(observations.allSatisfy { $0.hasSuffix(":60") || $0.hasSuffix(":90") })
        }
    }

    @Test("drop removes a generation's documents and checkpoint; idempotent", arguments: StoreUnderTest.allCases)
    func dropGeneration(_ kind: StoreUnderTest) async throws {
        try await withStore(kind) { store in
            var live = Projection(store)
            var shadow = Projection(store, generation: "r3", projection: live.target.projection, collection: live.collection)
            try await live.apply([live.upsert("a", DocumentUpdate(inc: ["n": .int(1)]))])
            try await shadow.apply([shadow.upsert("a", DocumentUpdate(inc: ["n": .int(5)]))])
            try await store.drop(shadow.target, collections: [shadow.collection])
            try await store.drop(shadow.target, collections: [shadow.collection])
            #expect(try await shadow.count() == 0)
            #expect(try await store.checkpoint(shadow.target) == nil)
            #expect(try await store.generations(of: live.target.projection) == [live.target])
            #expect(try await live.find("a")?["n"] == .int(1))
            try await store.drop(live.target, collections: [live.collection])
            #expect(try await live.count() == 0)
            #expect(try await store.generations(of: live.target.projection) == [])
            #expect(try await store.generations(of: uniqueName("never")) == [])
        }
    }
}
