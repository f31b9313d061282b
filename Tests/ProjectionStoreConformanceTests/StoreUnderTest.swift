import Foundation
import KeelCore
import KeelMongo
import KeelStore
import KeelStoreEmbedded
import KeelTestSupport
import Logging
import Testing

/// The adapters the conformance suite runs against. Adding an adapter = a case here and a branch
/// in `withStore`; every test in the suite then runs against it.
enum StoreUnderTest: String, CaseIterable, Sendable, CustomStringConvertible {
    case embedded
    case mongo

    var description: String { rawValue }
}

/// Opens a fresh store of `kind`, runs `body`, and always shuts it down (and cleans up).
/// Tests use unique projection and collection names, so adapters over a shared server work too.
func withStore(_ kind: StoreUnderTest, _ body: (any ProjectionStore) async throws -> Void) async throws {
    switch kind {
    case .embedded:
        let directory = try TemporaryDirectory(prefix: "keel-store-conformance")
        defer { directory.remove() }
        let store = try await EmbeddedProjectionStore(directory: directory.path, logger: quietLogger())
        try await run(store, body)
    case .mongo:
        switch TestServers.mongo() {
        case .available(let uri):
            // A database of its own per test: tests run in parallel on one server.
            var options = MongoStoreOptions()
            options.database = "conformance_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
            let store = try await MongoProjectionStore(uri: uri, options: options, logger: quietLogger())
            try await run(store, body)
        case .missingButRequired(let message):
            Issue.record(Comment(rawValue: message))
        case .notConfigured:
            print("store conformance[mongo]: not run — set KEEL_TEST_MONGO (Scripts/test.sh does)")
        }
    }
}

private func run(_ store: any ProjectionStore, _ body: (any ProjectionStore) async throws -> Void) async throws {
    do {
        try await body(store)
    } catch {
        try? await store.shutdown()
        throw error
    }
    try await store.shutdown()
}
