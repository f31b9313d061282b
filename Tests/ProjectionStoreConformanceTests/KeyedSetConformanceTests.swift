import Foundation
import KeelCore
import KeelStore
import Testing

extension ProjectionStoreConformance {
    @Test(
        "a keyed set keeps the first insert of each id while it is visible, expires it after its retention, and counts it",
        arguments: StoreUnderTest.allCases)
    func keyedSet(_ kind: StoreUnderTest) async throws {
        try await withStore(kind) { store in
            var p = Projection(store)
            let spec = KeyedSetSpec(collection: p.collection, timeField: "at", retentionSeconds: 3600)
            try await store.declareKeyedSet(p.target, spec)
            try await store.declareKeyedSet(p.target, spec)  // idempotent
            let now = nowMs()
            func insert(_ id: String, at: Int64, _ n: Int64) -> DocumentChange {
                p.upsert(id, DocumentUpdate(setOnInsert: ["at": .date(at), "n": .int(n)]))
            }
            try await p.apply([insert("a", at: now - 1000, 1), insert("old", at: now - 2 * 3_600_000, 1), insert("a", at: now, 2)])
            // The first insert wins, also against a later batch; an expired entry is invisible.
            try await p.apply([insert("a", at: now, 3), insert("b", at: now - 30 * 60_000, 1)])
            #expect(try await p.find("a") == ["_id": .string("a"), "at": .date(now - 1000), "n": .int(1)])
            #expect(try await p.find("old") == nil)
            let found = try await store.find(p.target, collection: p.collection, ids: ["a", "b", "old", "missing"])
            #expect(found.keys.sorted() == ["a", "b"])
            #expect(try await p.count() == 2)
            #expect(ids(try await p.all()) == ["a", "b"])
            // An insert of an expired id starts a fresh entry.
            try await p.apply([insert("old", at: now, 5)])
            #expect(try await p.find("old")?["n"] == .int(5))
            // An entry older than the retention in another time bucket hides nothing: the
            // visible entry of "b" stays the first one.
            try await p.apply([insert("b", at: now + 50 * 60_000, 9)])
            #expect(try await p.find("b")?["n"] == .int(1))
        }
    }

    @Test("a keyed set of a shadow generation replaces the live one on promote", arguments: StoreUnderTest.allCases)
    func keyedSetPromote(_ kind: StoreUnderTest) async throws {
        try await withStore(kind) { store in
            var live = Projection(store)
            var shadow = Projection(store, generation: "r1", projection: live.target.projection, collection: live.collection)
            let spec = KeyedSetSpec(collection: live.collection, timeField: "at", retentionSeconds: 3600)
            try await store.declareKeyedSet(live.target, spec)
            try await store.declareKeyedSet(shadow.target, spec)
            let now = nowMs()
            try await live.apply([live.upsert("stale", DocumentUpdate(setOnInsert: ["at": .date(now)]))])
            try await shadow.apply([shadow.upsert("rebuilt", DocumentUpdate(setOnInsert: ["at": .date(now)]))])
            #expect(try await live.find("rebuilt") == nil)
            try await store.promote(shadow.target, collections: [live.collection])
            #expect(try await live.find("rebuilt") != nil)
            #expect(try await live.find("stale") == nil)
            #expect(try await live.count() == 1)
            // Still a keyed set: the first insert wins.
            try await live.apply([live.upsert("rebuilt", DocumentUpdate(setOnInsert: ["at": .date(now + 1)]))])
            #expect(try await live.find("rebuilt")?["at"] == .date(now))
        }
    }
}
