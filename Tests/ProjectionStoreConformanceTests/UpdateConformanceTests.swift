import Foundation
import KeelCore
import KeelStore
import Testing

/// One suite, run against every `StoreUnderTest`; the tests live in extensions by topic.
@Suite("ProjectionStore conformance")
struct ProjectionStoreConformance {}

extension ProjectionStoreConformance {
    @Test("upsert operators: setOnInsert, inc types, exact decimals, max/min, push, unset, nested paths", arguments: StoreUnderTest.allCases)
    func upsertOperators(_ kind: StoreUnderTest) async throws {
        try await withStore(kind) { store in
            var p = Projection(store)
            try await p.apply([
                p.upsert(
                    "a",
                    DocumentUpdate(
                        set: ["name": .string("first")],
                        setOnInsert: ["created": .date(1000), "meta.kind": .string("k")],
                        inc: ["n": .int(1), "cost": dec("0.1"), "stats.calls": .int(2), "ratio": .double(0.5)],
                        max: ["last": .date(5000)],
                        min: ["first": .date(5000)],
                        push: ["log": [.string("x")]]))
            ])
            try await p.apply([
                p.upsert(
                    "a",
                    DocumentUpdate(
                        set: ["name": .string("second")],
                        setOnInsert: ["created": .date(9999)],
                        inc: ["n": .int(41), "cost": dec("0.2"), "stats.calls": .int(1), "ratio": .int(1)],
                        max: ["last": .date(4000)],
                        min: ["first": .date(3000)],
                        push: ["log": [.string("y"), .string("z")]],
                        unset: ["meta.kind"]))
            ])
            let document = try #require(try await p.find("a"))
            #expect(document["_id"] == .string("a"))
            #expect(document["name"] == .string("second"))
            #expect(document["created"] == .date(1000), "setOnInsert applies only on insert")
            #expect(document["n"] == .int(42), "int + int stays int")
            #expect(document["cost"] == dec("0.3"), "decimal sums are exact: 0.1 + 0.2 == 0.3")
            if case .decimal(let cost)? = document["cost"] {
                #expect("\(cost)" == "0.3")
            } else {
                Issue.record("cost is not a decimal: \(String(describing: document["cost"]))")
            }
            #expect(document["ratio"] == .double(1.5), "double + int is a double")
            #expect(document["stats"] == .object(["calls": .int(3)]), "dotted paths create and update nested objects")
            #expect(document["meta"] == .object([:]), "unset removes the nested field, keeping its parent")
            #expect(document["last"] == .date(5000))
            #expect(document["first"] == .date(3000))
            #expect(document["log"] == .array([.string("x"), .string("y"), .string("z")]))
        }
    }

    @Test("inc on a decimal with an int stays an exact decimal; int sums beyond Int32 stay int", arguments: StoreUnderTest.allCases)
    func incTypes(_ kind: StoreUnderTest) async throws {
        try await withStore(kind) { store in
            var p = Projection(store)
            for _ in 0..<10 { try await p.apply([p.upsert("a", DocumentUpdate(inc: ["money": dec("0.1"), "big": .int(1_000_000_000)]))]) }
            try await p.apply([p.upsert("a", DocumentUpdate(inc: ["money": .int(1)]))])
            let document = try #require(try await p.find("a"))
            #expect(document["money"] == dec("2"))
            #expect(document["big"] == .int(10_000_000_000))
        }
    }

    @Test("replace and delete; find of a missing document is nil", arguments: StoreUnderTest.allCases)
    func replaceDelete(_ kind: StoreUnderTest) async throws {
        try await withStore(kind) { store in
            var p = Projection(store)
            try await p.apply([p.upsert("a", DocumentUpdate(set: ["x": .int(1), "y": .int(2)])), p.upsert("b", DocumentUpdate(set: ["x": .int(1)]))])
            try await p.apply([
                p.replace("a", ["z": .string("only"), "bin": .binary([0, 1, 255]), "when": .date(-5)]), p.delete("b"), p.delete("never"),
            ])
            #expect(try await p.find("a") == ["_id": .string("a"), "z": .string("only"), "bin": .binary([0, 1, 255]), "when": .date(-5)])
            #expect(try await p.find("b") == nil)
            #expect(try await p.find("never") == nil)
            #expect(try await p.count() == 1)
            try await p.apply([p.replace("c", ["k": .null])])
            #expect(try await p.find("c") == ["_id": .string("c"), "k": .null], "replace creates a missing document")
            // Many ids at once: the existing ones, each once, equal to a single find.
            let many = try await store.find(p.target, collection: p.collection, ids: ["a", "b", "never", "c", "a"])
            #expect(Set(many.keys) == ["a", "c"])
            #expect(many["a"] == (try await p.find("a")))
            #expect(many["c"] == (try await p.find("c")))
            #expect(try await store.find(p.target, collection: p.collection, ids: []).isEmpty)
            // A long list (the embedded store answers it on a reader thread, short ones inline).
            let longList = (0..<40).map { "missing-\($0)" } + ["c", "a"]
            let found = try await store.find(p.target, collection: p.collection, ids: longList)
            #expect(Set(found.keys) == ["a", "c"])
            #expect(found["a"] == many["a"])
        }
    }

    @Test("a type error fails the whole batch with invalidRequest naming the path; nothing of it is stored", arguments: StoreUnderTest.allCases)
    func typeErrorRollsBack(_ kind: StoreUnderTest) async throws {
        try await withStore(kind) { store in
            var p = Projection(store)
            try await p.apply([p.upsert("a", DocumentUpdate(set: ["label": .string("text")], inc: ["n": .int(1)]))])
            let before = try await store.checkpoint(p.target)
            let error = await #expect(throws: StoreError.self) {
                try await store.apply(
                    p.batch(
                        [
                            p.upsert("b", DocumentUpdate(inc: ["n": .int(1)])),
                            p.upsert("a", DocumentUpdate(inc: ["n": .int(1)])),
                            p.upsert("a", DocumentUpdate(inc: ["label": .int(1)])),
                        ], positions: [LogPosition("t", 0): 100]))
            }
            #expect(error?.code == .invalidRequest)
            #expect(error?.message.contains("label") == true, "the message names the path: \(String(describing: error))")
            #expect(try await p.find("b") == nil)
            #expect(try await p.find("a")?["n"] == .int(1))
            #expect(try await store.checkpoint(p.target) == before)
        }
    }
}
