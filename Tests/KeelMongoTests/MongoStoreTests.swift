import Foundation
import KeelCore
import KeelMongo
import KeelStore
import Testing

/// The adapter against a real MongoDB-protocol server (SecantusDB in CI), one database per test.
@Suite struct MongoStoreTests {
    @Test func storesEveryValueKindExactly() async throws {
        guard let url = MongoTestServer.url() else { return }
        try await MongoTestServer.withStore(url) { (store: MongoProjectionStore) async throws in
            let target = CollectionSet.live("kinds")
            let document = BSONCodecTestsFixture.everyKind
            #expect(try await store.apply(.on(target, [.put("docs", "doc-1", document)], next: 1)) == .applied)
            #expect(try await store.find(target, collection: "docs", id: "doc-1") == document)
        }
    }

    @Test func appliesChangesAndCheckpointTogether() async throws {
        guard let url = MongoTestServer.url() else { return }
        try await MongoTestServer.withStore(url) { (store: MongoProjectionStore) async throws in
            let target = CollectionSet.live("counts")
            #expect(try await store.checkpoint(target) == nil)
            let update = DocumentUpdate(
                set: ["name": .string("a")], setOnInsert: ["created": .date(5)], inc: ["n": .int(2), "money": .decimal(Decimal(string: "0.10")!)],
                max: ["hi": .int(7)], min: ["lo": .int(3)], push: ["log": [.string("x"), .string("y")]])
            let outcome = try await store.apply(
                ProjectionBatch(
                    target: target,
                    changes: [
                        DocumentChange(collection: "c", id: "a", operation: .upsert(update)),
                        .inc("c", "a", "n", by: 3),
                        .put("c", "b", ["v": .int(1)]),
                        .put("other", "x", ["v": .int(1)]),
                        DocumentChange(collection: "other", id: "x", operation: .delete),
                    ],
                    checkpoint: ProjectionCheckpoint(positions: [LogPosition("t.with.dots", 0): 10, LogPosition("t.with.dots", 1): 4])))
            #expect(outcome == .applied)
            let a = try #require(try await store.find(target, collection: "c", id: "a"))
            #expect(a["n"] == .int(5))
            #expect(a["money"] == .decimal(Decimal(string: "0.1")!))
            #expect(a["created"] == .date(5))
            #expect(a["log"] == .array([.string("x"), .string("y")]))
            #expect(a["hi"] == .int(7) && a["lo"] == .int(3))
            #expect(try await store.find(target, collection: "c", id: "b") == ["_id": .string("b"), "v": .int(1)])
            #expect(try await store.find(target, collection: "other", id: "x") == nil)
            #expect(
                try await store.checkpoint(target)
                    == ProjectionCheckpoint(positions: [LogPosition("t.with.dots", 0): 10, LogPosition("t.with.dots", 1): 4]))

            // A later batch for one partition keeps the other's position.
            _ = try await store.apply(.on(target, [.inc("c", "a", "n")], topic: "t.with.dots", partition: 1, next: 5))
            #expect(try await store.checkpoint(target)?.positions == [LogPosition("t.with.dots", 0): 10, LogPosition("t.with.dots", 1): 5])
        }
    }

    @Test func replayedBatchIsSkippedWhole() async throws {
        guard let url = MongoTestServer.url() else { return }
        try await MongoTestServer.withStore(url) { (store: MongoProjectionStore) async throws in
            let target = CollectionSet.live("dups")
            let batch = ProjectionBatch.on(target, [.inc("c", "a", "n")], next: 3)
            #expect(try await store.apply(batch) == .applied)
            #expect(try await store.apply(batch) == .skippedAsDuplicate)
            #expect(try await store.apply(.on(target, [.inc("c", "a", "n")], next: 2)) == .skippedAsDuplicate)
            #expect(try await store.find(target, collection: "c", id: "a")?["n"] == .int(1))
        }
    }

    @Test func uniqueViolationAbortsWholeBatchAndCheckpoint() async throws {
        guard let url = MongoTestServer.url() else { return }
        try await MongoTestServer.withStore(url) { (store: MongoProjectionStore) async throws in
            let target = CollectionSet.live("uniq")
            try await store.ensureIndexes(
                target, collection: "users", indexes: [IndexSpec(name: "email", fields: [SortField("email")], unique: true)])
            try await store.ensureIndexes(
                target, collection: "users", indexes: [IndexSpec(name: "email", fields: [SortField("email")], unique: true)])
            _ = try await store.apply(.on(target, [.put("users", "u1", ["email": .string("a@x")])], next: 1))
            let error = await #expect(throws: StoreError.self) {
                try await store.apply(
                    .on(
                        target,
                        [.put("users", "u2", ["email": .string("b@x")]), .inc("counts", "all", "n"), .put("users", "u3", ["email": .string("a@x")])],
                        next: 2))
            }
            #expect(error?.code == .duplicateKey)
            #expect(try await store.find(target, collection: "users", id: "u2") == nil)
            #expect(try await store.find(target, collection: "counts", id: "all") == nil)
            #expect(try await store.checkpoint(target)?.positions[LogPosition("t", 0)] == 1)
        }
    }

    @Test func pagesAreStableAcrossInsertsAndMixedTypes() async throws {
        guard let url = MongoTestServer.url() else { return }
        try await MongoTestServer.withStore(url) { (store: MongoProjectionStore) async throws in
            let target = CollectionSet.live("pages")
            let scores: [DocumentValue] = [.int(3), .double(1.5), .null, .string("b"), .int(3), .decimal(2), .bool(true), .date(9)]
            var changes: [DocumentChange] = scores.enumerated().map {
                .put("items", "i\($0.offset)", ["score": $0.element, "tenant": .string("t1")])
            }
            changes.append(.put("items", "missing", ["tenant": .string("t1")]))
            changes.append(.put("items", "other", ["tenant": .string("t2"), "score": .int(0)]))
            _ = try await store.apply(.on(target, changes, next: 1))
            for ascending in [true, false] {
                var seen: [String] = []
                var cursor: String?
                var round = 0
                repeat {
                    let page = try await store.query(
                        DocumentQuery(
                            target: target, collection: "items", filter: [FieldFilter("tenant", .equals(.string("t1")))],
                            sort: [SortField("score", ascending: ascending)], limit: 2, after: cursor))
                    seen += page.documents.compactMap { $0["_id"]?.stringValue }
                    cursor = page.nextCursor
                    if round == 0 {  // an insert that sorts before the cursor is not visited; no row is visited twice
                        _ = try await store.apply(
                            .on(
                                target, [.put("items", "late", ["tenant": .string("t1"), "score": .int(-100)])], next: Int64(2 + (ascending ? 0 : 10))
                            ))
                    }
                    round += 1
                } while cursor != nil
                #expect(Set(seen).count == seen.count, "no duplicates: \(seen)")
                #expect(Set(seen).isSuperset(of: ["i0", "i1", "i2", "i3", "i4", "i5", "i6", "i7", "missing"]), "\(seen)")
            }
            #expect(try await store.count(target, collection: "items", filter: [FieldFilter("tenant", .equals(.string("t1")))]) == 10)
            let bad = await #expect(throws: StoreError.self) {
                try await store.query(DocumentQuery(target: target, collection: "items", sort: [SortField("other")], after: "bm9wZQ"))
            }
            #expect(bad?.code == .invalidRequest)
        }
    }

    @Test func aggregatesByBerlinDays() async throws {
        guard let url = MongoTestServer.url() else { return }
        try await MongoTestServer.withStore(url) { (store: MongoProjectionStore) async throws in
            let target = CollectionSet.live("sales")
            // 2026-03-28 23:30 UTC is 2026-03-29 00:30 in Berlin (CET, +1); 2026-03-29 22:30 UTC is 2026-03-30 00:30 (CEST, +2).
            let rows: [(String, Int64, String, String)] = [
                ("s1", 1_774_740_600_000, "eu", "10.10"),  // 2026-03-28T23:30Z → Berlin day 03-29
                ("s2", 1_774_780_200_000, "eu", "0.20"),  // 2026-03-29T10:30Z → 03-29
                ("s3", 1_774_823_400_000, "eu", "5.00"),  // 2026-03-29T22:30Z → 03-30
                ("s4", 1_774_780_200_000, "us", "1.00"),
            ]
            let changes = rows.map { row in
                DocumentChange.put(
                    "orders", row.0, ["at": .date(row.1), "region": .string(row.2), "amount": .decimal(Decimal(string: row.3)!), "qty": .int(2)])
            }
            _ = try await store.apply(.on(target, changes + [.put("orders", "nodate", ["region": .string("eu"), "qty": .int(1)])], next: 1))
            let result = try await store.aggregate(
                Aggregation(
                    target: target, collection: "orders", groupBy: ["region"],
                    timeBucket: TimeBucket(field: "at", unit: .day, timeZone: "Europe/Berlin"),
                    metrics: [
                        Metric("n", .count), Metric("total", .sum, field: "amount"), Metric("avg", .avg, field: "amount"),
                        Metric("qty", .sum, field: "qty"),
                        Metric("first", .min, field: "at"),
                    ]))
            let march29 = Int64(1_774_738_800_000)  // 2026-03-29T00:00+01:00 = 03-28T23:00Z
            let march30 = Int64(1_774_821_600_000)  // 2026-03-30T00:00+02:00
            #expect(result.map(\.bucketStart) == [march29, march29, march30])
            #expect(result.map { $0.group["region"] } == [.string("eu"), .string("us"), .string("eu")])
            #expect(result[0].values["n"] == .int(2))
            #expect(result[0].values["total"] == .decimal(Decimal(string: "10.30")!))
            #expect(result[0].values["avg"] == .decimal(Decimal(string: "5.15")!))
            #expect(result[0].values["qty"] == .int(4))
            #expect(result[0].values["first"] == .date(1_774_740_600_000))
            #expect(result[2].values["total"] == .decimal(5))
        }
    }

    @Test func promotesShadowAndDropsIt() async throws {
        guard let url = MongoTestServer.url() else { return }
        try await MongoTestServer.withStore(url) { (store: MongoProjectionStore) async throws in
            let live = CollectionSet.live("proj")
            let shadow = CollectionSet(projection: "proj", generation: "r1")
            _ = try await store.apply(.on(live, [.put("a", "old", ["v": .int(1)]), .put("b", "old", ["v": .int(1)])], next: 5))
            try await store.ensureIndexes(shadow, collection: "a", indexes: [IndexSpec(name: "v", fields: [SortField("v")], unique: true)])
            _ = try await store.apply(.on(shadow, [.put("a", "new", ["v": .int(2)])], next: 9))
            #expect(try await store.generations(of: "proj") == [live, shadow])
            #expect(try await store.find(live, collection: "a", id: "new") == nil)

            try await store.promote(shadow, collections: ["a", "b"])
            #expect(try await store.find(live, collection: "a", id: "new")?["v"] == .int(2))
            #expect(try await store.find(live, collection: "a", id: "old") == nil)
            #expect(try await store.count(live, collection: "b", filter: []) == 0)  // the shadow had no `b`: live `b` is now empty
            #expect(try await store.checkpoint(live)?.positions[LogPosition("t", 0)] == 9)
            #expect(try await store.generations(of: "proj") == [live])
            try await store.promote(shadow, collections: ["a", "b"])  // a re-run after success is a no-op
            // The unique index moved with the collection.
            let duplicate = await #expect(throws: StoreError.self) {
                try await store.apply(.on(live, [.put("a", "again", ["v": .int(2)])], next: 10))
            }
            #expect(duplicate?.code == .duplicateKey)

            let other = CollectionSet(projection: "proj", generation: "r2")
            _ = try await store.apply(.on(other, [.put("a", "x", [:])], next: 1))
            try await store.drop(other, collections: ["a", "b"])
            try await store.drop(other, collections: ["a", "b"])
            #expect(try await store.find(other, collection: "a", id: "x") == nil)
            #expect(try await store.checkpoint(other) == nil)
            #expect(try await store.generations(of: "proj") == [live])
            let missing = await #expect(throws: StoreError.self) { try await store.promote(other, collections: ["a"]) }
            #expect(missing?.code == .invalidRequest)
        }
    }

    @Test func baselineBulkUpsertWritesDocuments() async throws {
        guard let url = MongoTestServer.url() else { return }
        try await MongoTestServer.withStore(url) { (store: MongoProjectionStore) async throws in
            let documents: [Document] = (0..<50).map { ["_id": .string("d\($0)"), "n": .int(Int64($0))] }
            try await store.baselineBulkUpsert(collection: "bench", documents: documents)
            try await store.baselineBulkUpsert(collection: "bench", documents: documents)
            #expect(try await store.count(.live("x"), collection: "bench", filter: []) == 50)
        }
    }

    @Test func closedStoreRefusesCalls() async throws {
        guard let url = MongoTestServer.url() else { return }
        let store = try await MongoTestServer.store(url)
        try await store.shutdown()
        try await store.shutdown()
        let error = await #expect(throws: StoreError.self) { try await store.checkpoint(.live("x")) }
        #expect(error?.code == .closed)
    }
}

enum BSONCodecTestsFixture {
    static var everyKind: Document {
        var document: Document = [
            "null": .null, "yes": .bool(true), "int": .int(Int64.min), "double": .double(-0.5),
            "money": .decimal(Decimal(string: "12345678901234567890.123456789012")!), "date": .date(1_763_712_000_123),
            "bytes": .binary([0, 255, 7]), "unicode": .string("Grüße 世界 🚀"),
            "nested": .object(["a": .array([.int(1), .object(["b": .decimal(Decimal(string: "-0.001")!)])])]),
        ]
        document["_id"] = .string("doc-1")
        return document
    }
}
