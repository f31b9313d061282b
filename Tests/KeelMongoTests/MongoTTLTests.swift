import Foundation
import KeelCore
import KeelMongo
import KeelStore
import Testing

/// TTL visibility beyond the conformance suite: MongoDB deletes expired documents lazily, so the
/// adapter hides them itself, with the embedded store's rules (`IndexKeys.expiry`).
@Suite struct MongoTTLTests {
    private static let hour: Int64 = 3_600_000

    private static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    private static func ids(_ documents: [Document]) -> [String] { documents.compactMap { $0["_id"]?.stringValue }.sorted() }

    /// Expired: a date (or an array holding one) at least the TTL old. Not expired: missing field,
    /// a non-date, an array without an old date, `null`; a nested path; two TTL indexes.
    @Test func expiryFollowsTheEmbeddedRules() async throws {
        guard let url = MongoTestServer.url() else { return }
        try await MongoTestServer.withStore(url) { (store: MongoProjectionStore) async throws in
            let target = CollectionSet.live("ttl")
            try await store.ensureIndexes(
                target, collection: "c",
                indexes: [
                    IndexSpec(name: "at", fields: [SortField("at")], expireAfterSeconds: 3600),
                    IndexSpec(name: "meta.seen", fields: [SortField("meta.seen")], expireAfterSeconds: 60),
                ])
            let now = Self.nowMs()
            let old = DocumentValue.date(now - 2 * Self.hour)
            let documents: [String: Document] = [
                "old": ["at": old],
                "oldInArray": ["at": .array([.date(now), .int(5), old])],
                "oldNested": ["meta": .object(["seen": .date(now - 120_000)])],
                "fresh": ["at": .date(now)],
                "freshArray": ["at": .array([.date(now), .string("x")])],
                "freshNested": ["at": .date(now), "meta": .object(["seen": .date(now)])],
                "missing": ["n": .int(1)],
                "null": ["at": .null],
                "number": ["at": .int(0)],
                "string": ["at": .string("2000-01-01")],
                "emptyArray": ["at": .array([])],
            ]
            let changes = documents.keys.sorted().map { DocumentChange.put("c", $0, documents[$0]!.merging(["k": .int(1)]) { $1 }) }
            _ = try await store.apply(.on(target, changes, next: 1))
            let visible = ["fresh", "freshArray", "freshNested", "missing", "null", "number", "string", "emptyArray"].sorted()

            for id in documents.keys {
                let found = try await store.find(target, collection: "c", id: id)
                #expect((found != nil) == visible.contains(id), "\(id)")
            }
            #expect(try await store.count(target, collection: "c", filter: []) == visible.count)
            #expect(try await store.count(target, collection: "c", filter: [FieldFilter("k", .equals(.int(1)))]) == visible.count)

            // Every page of a paged query hides expired documents.
            var seen: [Document] = []
            var cursor: String?
            repeat {
                let page = try await store.query(
                    DocumentQuery(
                        target: target, collection: "c", filter: [FieldFilter("k", .equals(.int(1)))], sort: [SortField("k")], limit: 3, after: cursor
                    ))
                seen += page.documents
                cursor = page.nextCursor
            } while cursor != nil
            #expect(Self.ids(seen) == visible)

            let rows = try await store.aggregate(Aggregation(target: target, collection: "c", metrics: [Metric("n", .count)]))
            #expect(rows.first?.values["n"] == .int(Int64(visible.count)))
            let buckets = try await store.aggregate(
                Aggregation(
                    target: target, collection: "c", timeBucket: TimeBucket(field: "at", unit: .day, timeZone: "UTC"), metrics: [Metric("n", .count)])
            )
            // fresh and freshNested: dates only ("old" expired; arrays and non-dates are not bucketed).
            #expect(buckets.compactMap { $0.values["n"]?.intValue }.reduce(0, +) == 2, "\(buckets)")
        }
    }

    /// A store that did not declare the indexes learns them from `listIndexes` on first use.
    @Test func anotherStoreReadsTTLIndexesFromTheServer() async throws {
        guard let url = MongoTestServer.url() else { return }
        try await MongoTestServer.withStore(url) { (store: MongoProjectionStore) async throws in
            let target = CollectionSet.live("ttl2")
            try await store.ensureIndexes(
                target, collection: "c", indexes: [IndexSpec(name: "at", fields: [SortField("at")], expireAfterSeconds: 60)])
            _ = try await store.apply(
                .on(target, [.put("c", "old", ["at": .date(Self.nowMs() - Self.hour)]), .put("c", "new", ["at": .date(Self.nowMs())])], next: 1))
            let other = try await MongoProjectionStore(
                uri: url, options: MongoStoreOptions(database: store.database), logger: MongoTestServer.logger())
            do {
                #expect(try await other.find(target, collection: "c", id: "old") == nil)
                #expect(try await other.count(target, collection: "c", filter: []) == 1)
                // An upsert through the second store also starts a fresh document.
                _ = try await other.apply(.on(target, [.inc("c", "old", "n")], next: 2))
                #expect(try await other.find(target, collection: "c", id: "old") == ["_id": .string("old"), "n": .int(1)])
            } catch {
                try? await other.shutdown()
                throw error
            }
            try await other.shutdown()
        }
    }

    /// Upserts, replaces and deletes of an expired document in one batch (also twice in one batch):
    /// it is gone for the batch, as for readers.
    @Test func changesToAnExpiredDocumentStartAfresh() async throws {
        guard let url = MongoTestServer.url() else { return }
        try await MongoTestServer.withStore(url) { (store: MongoProjectionStore) async throws in
            let target = CollectionSet.live("ttl3")
            let old = DocumentValue.date(Self.nowMs() - Self.hour)
            try await store.ensureIndexes(
                target, collection: "c", indexes: [IndexSpec(name: "at", fields: [SortField("at")], expireAfterSeconds: 60)])
            _ = try await store.apply(
                .on(
                    target,
                    ["a", "b", "c", "d"].map { .put("c", $0, ["at": old, "n": .int(10), "keep": .bool(true)]) } + [
                        .put("c", "live", ["n": .int(10)])
                    ], next: 1))
            _ = try await store.apply(
                .on(
                    target,
                    [
                        .inc("c", "a", "n"), .inc("c", "a", "n"),  // twice: ordered bulk, one fresh document
                        .put("c", "b", ["n": .int(1)]),
                        DocumentChange(collection: "c", id: "c", operation: .delete),
                        .inc("c", "live", "n"),
                    ], next: 2))
            #expect(try await store.find(target, collection: "c", id: "a") == ["_id": .string("a"), "n": .int(2)])
            #expect(try await store.find(target, collection: "c", id: "b") == ["_id": .string("b"), "n": .int(1)])
            #expect(try await store.find(target, collection: "c", id: "c") == nil)
            #expect(try await store.find(target, collection: "c", id: "d") == nil)  // untouched: still there, still invisible
            #expect(try await store.find(target, collection: "c", id: "live")?["n"] == .int(11))
            #expect(try await store.count(target, collection: "c", filter: []) == 3)
        }
    }

    /// Promotion moves a shadow's TTL index onto the live collection; the cache follows.
    @Test func promotionMovesTTLIndexes() async throws {
        guard let url = MongoTestServer.url() else { return }
        try await MongoTestServer.withStore(url) { (store: MongoProjectionStore) async throws in
            let live = CollectionSet.live("ttl4")
            let shadow = CollectionSet(projection: "ttl4", generation: "r1")
            let old = DocumentValue.date(Self.nowMs() - Self.hour)
            _ = try await store.apply(.on(live, [.put("c", "x", ["at": old])], next: 1))
            #expect(try await store.find(live, collection: "c", id: "x") != nil)  // no TTL index on live yet (cached as none)
            try await store.ensureIndexes(
                shadow, collection: "c", indexes: [IndexSpec(name: "at", fields: [SortField("at")], expireAfterSeconds: 60)])
            _ = try await store.apply(.on(shadow, [.put("c", "y", ["at": old]), .put("c", "z", ["at": .date(Self.nowMs())])], next: 1))
            try await store.promote(shadow, collections: ["c"])
            #expect(try await store.find(live, collection: "c", id: "y") == nil)
            #expect(try await store.count(live, collection: "c", filter: []) == 1)

            // Dropped and recreated without a TTL index: nothing is hidden any more.
            try await store.drop(live, collections: ["c"])
            _ = try await store.apply(.on(live, [.put("c", "w", ["at": old])], next: 20))
            #expect(try await store.find(live, collection: "c", id: "w") != nil)
        }
    }
}
