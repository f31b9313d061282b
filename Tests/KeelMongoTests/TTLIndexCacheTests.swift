import KeelCore
import Testing

@testable import KeelMongo

/// The TTL cache's bookkeeping and the conditions it produces (no server needed).
@Suite struct TTLIndexCacheTests {
    @Test func lazyLoadsStartedBeforeAForgetAreDiscarded() {
        let cache = TTLIndexCache()
        let stale = cache.lookup("c")
        #expect(stale.indexes == nil)
        cache.forget(["c"])  // e.g. a promote renamed over "c" meanwhile
        cache.fill("c", [TTLIndex(field: "at", seconds: 60)], epoch: stale.epoch)
        #expect(cache.lookup("c").indexes == nil)

        let fresh = cache.lookup("c")
        cache.fill("c", [], epoch: fresh.epoch)
        #expect(cache.lookup("c").indexes == [])
        cache.merge("c", [TTLIndex(field: "at", seconds: 60)])
        cache.fill("c", [], epoch: cache.lookup("c").epoch)  // a late, older listing never removes one
        #expect(cache.lookup("c").indexes == [TTLIndex(field: "at", seconds: 60)])
    }

    @Test func conditionsKeepMissingAndNonDateFields() throws {
        let one: Set<TTLIndex> = [TTLIndex(field: "at", seconds: 60)]
        let visible = try BSONReader.decode(BSONWriter.encode(TTLFilter.visible(one, nowMs: 100_000)))
        #expect(visible == ["at": .object(["$not": .object(["$lte": .date(40_000)])])])
        let expired = try BSONReader.decode(BSONWriter.encode(try #require(TTLFilter.expired(one, nowMs: 100_000))))
        #expect(expired == ["at": .object(["$lte": .date(40_000)])])
        #expect(TTLFilter.visible([], nowMs: 0).isEmpty)
        #expect(TTLFilter.expired([], nowMs: 0) == nil)
        let two: Set<TTLIndex> = [TTLIndex(field: "b", seconds: 1), TTLIndex(field: "a", seconds: 2)]
        let both = try BSONReader.decode(BSONWriter.encode(TTLFilter.expired(two, nowMs: 10_000)!))
        #expect(both == ["$or": .array([.object(["a": .object(["$lte": .date(8_000)])]), .object(["b": .object(["$lte": .date(9_000)])])])])
    }
}
