import Foundation
import KeelCore
import KeelStore
import KeelStoreEmbedded
import KeelTestSupport
import Logging
import Testing

private let target = CollectionSet.live("p")

private func batch(_ changes: [DocumentChange], offset: Int64) -> ProjectionBatch {
    ProjectionBatch(target: target, changes: changes, checkpoint: ProjectionCheckpoint(positions: [LogPosition("t", 0): offset]))
}

private func inc(_ id: String, _ amount: Int64 = 1) -> DocumentChange {
    DocumentChange(collection: "c", id: id, operation: .upsert(DocumentUpdate(inc: ["n": .int(amount)])))
}

@Suite("EmbeddedProjectionStore")
struct EmbeddedStoreTests {
    @Test("documents, indexes and checkpoints survive a reopen")
    func durableAcrossReopen() async throws {
        let directory = try TemporaryDirectory(prefix: "keel-store")
        defer { directory.remove() }
        let first = try await EmbeddedProjectionStore(directory: directory.path, logger: quietLogger())
        try await first.ensureIndexes(target, collection: "c", indexes: [IndexSpec(name: "u", fields: [SortField("email")], unique: true)])
        _ = try await first.apply(
            batch(
                [
                    inc("a", 5),
                    DocumentChange(
                        collection: "c", id: "m", operation: .replace(["email": .string("x"), "money": .decimal(Decimal(string: "12.345")!)])),
                ], offset: 7))
        try await first.shutdown()

        let second = try await EmbeddedProjectionStore(directory: directory.path, logger: quietLogger())
        #expect(try await second.find(target, collection: "c", id: "a")?["n"] == .int(5))
        #expect(try await second.find(target, collection: "c", id: "m")?["money"] == .decimal(Decimal(string: "12.345")!))
        #expect(try await second.checkpoint(target) == ProjectionCheckpoint(positions: [LogPosition("t", 0): 7]))
        #expect(try await second.apply(batch([inc("a")], offset: 7)) == .skippedAsDuplicate)
        let error = await #expect(throws: StoreError.self) {
            try await second.apply(batch([DocumentChange(collection: "c", id: "n", operation: .replace(["email": .string("x")]))], offset: 8))
        }
        #expect(error?.code == .duplicateKey, "the unique index survived the reopen")
        try await second.shutdown()
    }

    @Test("a second writer gets .locked with the holder's pid; the lock is released at shutdown")
    func secondWriterLocked() async throws {
        let directory = try TemporaryDirectory(prefix: "keel-store")
        defer { directory.remove() }
        let first = try await EmbeddedProjectionStore(directory: directory.path, logger: quietLogger())
        let error = await #expect(throws: StoreError.self) { _ = try await EmbeddedProjectionStore(directory: directory.path, logger: quietLogger()) }
        #expect(error?.code == .locked)
        #expect(error?.message.contains("pid \(getpid())") == true, "\(String(describing: error))")
        try await first.shutdown()
        let again = try await EmbeddedProjectionStore(directory: directory.path, logger: quietLogger())
        try await again.shutdown()
    }

    @Test("read-only mode reads beside the writer, sees its commits, and refuses writes")
    func readOnlyMode() async throws {
        let directory = try TemporaryDirectory(prefix: "keel-store")
        defer { directory.remove() }
        let missing = await #expect(throws: StoreError.self) {
            _ = try await EmbeddedProjectionStore(directory: directory.path + "/nothing", options: .init(mode: .readOnly), logger: quietLogger())
        }
        #expect(missing?.code == .unavailable)
        let writer = try await EmbeddedProjectionStore(directory: directory.path, logger: quietLogger())
        _ = try await writer.apply(batch([inc("a")], offset: 1))
        let reader = try await EmbeddedProjectionStore(directory: directory.path, options: .init(mode: .readOnly), logger: quietLogger())
        #expect(try await reader.find(target, collection: "c", id: "a")?["n"] == .int(1))
        _ = try await writer.apply(batch([inc("a")], offset: 2))
        #expect(try await reader.find(target, collection: "c", id: "a")?["n"] == .int(2))
        #expect(try await reader.checkpoint(target) == ProjectionCheckpoint(positions: [LogPosition("t", 0): 2]))
        let refused = await #expect(throws: StoreError.self) { _ = try await reader.apply(batch([inc("a")], offset: 3)) }
        #expect(refused?.code == .invalidRequest)
        await #expect(throws: StoreError.self) { try await reader.drop(target, collections: ["c"]) }
        try await writer.shutdown()
        #expect(try await reader.count(target, collection: "c", filter: []) == 1, "reads go on after the writer stops")
        try await reader.shutdown()
        let late = try await EmbeddedProjectionStore(directory: directory.path, options: .init(mode: .readOnly), logger: quietLogger())
        #expect(try await late.find(target, collection: "c", id: "a")?["n"] == .int(2), "a reader opens without any writer")
        try await late.shutdown()
    }

    @Test("a batch is all-or-nothing: a failing change mid-batch leaves nothing, and a concurrent batch of another projection still commits")
    func failingBatchLeavesNothing() async throws {
        let directory = try TemporaryDirectory(prefix: "keel-store")
        defer { directory.remove() }
        let store = try await EmbeddedProjectionStore(directory: directory.path, logger: quietLogger())
        _ = try await store.apply(batch([inc("a")], offset: 1))
        let other = CollectionSet.live("q")
        let bad = batch(
            [
                inc("a"), inc("b"),
                DocumentChange(collection: "c", id: "a", operation: .upsert(DocumentUpdate(push: ["n": [.int(1)]]))),
                inc("d"),
            ], offset: 2)
        async let failing: ApplyOutcome = store.apply(bad)
        async let fine: ApplyOutcome = store.apply(
            ProjectionBatch(target: other, changes: [inc("z")], checkpoint: ProjectionCheckpoint(positions: [LogPosition("t", 0): 1])))
        var failure: (any Error)?
        do { _ = try await failing } catch { failure = error }
        #expect((failure as? StoreError)?.code == .invalidRequest, "\(String(describing: failure))")
        #expect(try await fine == .applied)
        #expect(try await store.find(target, collection: "c", id: "a")?["n"] == .int(1))
        #expect(try await store.find(target, collection: "c", id: "b") == nil)
        #expect(try await store.find(target, collection: "c", id: "d") == nil)
        #expect(try await store.checkpoint(target) == ProjectionCheckpoint(positions: [LogPosition("t", 0): 1]))
        #expect(try await store.find(other, collection: "c", id: "z")?["n"] == .int(1))
        try await store.shutdown()
    }

    @Test("TTL purge deletes expired rows and frees their unique keys")
    func ttlPurge() async throws {
        let directory = try TemporaryDirectory(prefix: "keel-store")
        defer { directory.remove() }
        let store = try await EmbeddedProjectionStore(directory: directory.path, options: .init(ttlInterval: nil), logger: quietLogger())
        try await store.ensureIndexes(
            target, collection: "c",
            indexes: [
                IndexSpec(name: "ttl", fields: [SortField("at")], expireAfterSeconds: 60),
                IndexSpec(name: "u", fields: [SortField("k")], unique: true),
            ])
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        _ = try await store.apply(
            batch(
                [
                    DocumentChange(collection: "c", id: "old", operation: .replace(["at": .date(now - 120_000), "k": .int(1)])),
                    DocumentChange(collection: "c", id: "new", operation: .replace(["at": .date(now), "k": .int(2)])),
                ], offset: 1))
        #expect(try await store.purgeExpired() == 1)
        #expect(try await store.purgeExpired() == 0)
        _ = try await store.apply(
            batch([DocumentChange(collection: "c", id: "other", operation: .replace(["at": .date(now), "k": .int(1)]))], offset: 2))
        #expect(try await store.count(target, collection: "c", filter: []) == 2)
        try await store.shutdown()
    }

    @Test("a directory holding something else is refused")
    func notAStore() async throws {
        let directory = try TemporaryDirectory(prefix: "keel-store")
        defer { directory.remove() }
        let file = directory.path + "/file"
        _ = FileManager.default.createFile(atPath: file, contents: Data("x".utf8))
        let error = await #expect(throws: StoreError.self) { _ = try await EmbeddedProjectionStore(directory: file, logger: quietLogger()) }
        #expect(error?.code == .invalidRequest)
        _ = FileManager.default.createFile(atPath: directory.path + "/store.db", contents: Data("not sqlite at all, just text padding".utf8))
        await #expect(throws: StoreError.self) { _ = try await EmbeddedProjectionStore(directory: directory.path, logger: quietLogger()) }
    }
}
