import Foundation
import KeelCore
import KeelStore
import KeelStoreEmbedded
import KeelTestSupport
import Testing

/// What only the embedded layout of keyed sets does (the shared contract is in
/// `ProjectionStoreConformanceTests`): refusing updates, pruning whole buckets, adopting
/// documents stored before the declaration.
@Suite("Embedded keyed sets")
struct KeyedSetTests {
    let target = CollectionSet.live("k")
    let spec = KeyedSetSpec(collection: "set", timeField: "at", retentionSeconds: 3600)

    func insert(_ id: String, at: Int64) -> DocumentChange {
        DocumentChange(collection: "set", id: id, operation: .upsert(DocumentUpdate(setOnInsert: ["at": .date(at)])))
    }

    func batch(_ changes: [DocumentChange], offset: Int64) -> ProjectionBatch {
        ProjectionBatch(target: target, changes: changes, checkpoint: ProjectionCheckpoint(positions: [LogPosition("t", 0): offset]))
    }

    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    @Test("a change other than an insert, or an entry without its time, refuses the whole batch")
    func refusesUpdates() async throws {
        let directory = try TemporaryDirectory(prefix: "keel-kset")
        defer { directory.remove() }
        let store = try await EmbeddedProjectionStore(directory: directory.path, logger: quietLogger())
        try await store.declareKeyedSet(target, spec)
        _ = try await store.apply(batch([insert("a", at: Self.nowMs())], offset: 1))
        let refused = [
            DocumentChange(collection: "set", id: "a", operation: .upsert(DocumentUpdate(set: ["x": .int(1)]))),
            DocumentChange(collection: "set", id: "a", operation: .delete),
            DocumentChange(collection: "set", id: "b", operation: .replace(["at": .date(Self.nowMs())])),
            DocumentChange(collection: "set", id: "c", operation: .upsert(DocumentUpdate(setOnInsert: ["at": .string("today")]))),
        ]
        for change in refused {
            let error = await #expect(throws: StoreError.self) {
                try await store.apply(batch([insert("d", at: Self.nowMs()), change], offset: 2))
            }
            #expect(error?.code == .invalidRequest)
        }
        #expect(try await store.find(target, collection: "set", id: "d") == nil)
        #expect(try await store.checkpoint(target) == ProjectionCheckpoint(positions: [LogPosition("t", 0): 1]))
        try await store.shutdown()
    }

    @Test("the TTL purge removes buckets whose entries have all expired, and keeps the others")
    func purgeDropsExpiredBuckets() async throws {
        let directory = try TemporaryDirectory(prefix: "keel-kset")
        defer { directory.remove() }
        let store = try await EmbeddedProjectionStore(directory: directory.path, logger: quietLogger())
        try await store.declareKeyedSet(target, spec)
        let now = Self.nowMs()
        _ = try await store.apply(batch([insert("gone", at: now - 3 * 3_600_000), insert("kept", at: now)], offset: 1))
        #expect(try await store.purgeExpired(nowMs: now) == 1)
        #expect(try await store.find(target, collection: "set", id: "kept") != nil)
        #expect(try await store.count(target, collection: "set", filter: []) == 1)
        // In two hours everything has expired.
        #expect(try await store.purgeExpired(nowMs: now + 2 * 3_600_000) == 1)
        try await store.shutdown()
    }

    @Test("declaring a keyed set over stored documents moves them in; a reopen keeps the declaration")
    func adoptsDocuments() async throws {
        let directory = try TemporaryDirectory(prefix: "keel-kset")
        defer { directory.remove() }
        let now = Self.nowMs()
        let first = try await EmbeddedProjectionStore(directory: directory.path, logger: quietLogger())
        _ = try await first.apply(batch([insert("before", at: now)], offset: 1))
        try await first.declareKeyedSet(target, spec)
        #expect(try await first.find(target, collection: "set", id: "before")?["at"] == .date(now))
        try await first.shutdown()
        let second = try await EmbeddedProjectionStore(directory: directory.path, logger: quietLogger())
        _ = try await second.apply(batch([insert("before", at: now + 1), insert("after", at: now)], offset: 2))
        #expect(try await second.find(target, collection: "set", id: "before")?["at"] == .date(now))
        #expect(try await second.count(target, collection: "set", filter: []) == 2)
        try await second.shutdown()
    }
}
