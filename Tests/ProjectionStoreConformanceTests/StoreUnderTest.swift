import Foundation
import KeelCore
import KeelStore
import KeelTestSupport
import Logging

/// The adapters the conformance suite runs against. Adding an adapter = a case here and a branch
/// in `withStore`; every test in the suite then runs against it.
enum StoreUnderTest: String, CaseIterable, Sendable, CustomStringConvertible {
    case embedded

    var description: String { rawValue }
}

func quietLogger() -> Logger {
    var logger = Logger(label: "keel.store.conformance")
    logger.logLevel = .warning
    return logger
}

/// Opens a fresh store of `kind`, runs `body`, and always shuts it down (and cleans up).
/// Tests use unique projection and collection names, so adapters over a shared server work too.
func withStore(_ kind: StoreUnderTest, _ body: (any ProjectionStore) async throws -> Void) async throws {
    switch kind {
    case .embedded:
        let directory = try TemporaryDirectory(prefix: "keel-store-conformance")
        defer { directory.remove() }
        let store = try EmbeddedProjectionStore(directory: directory.path, logger: quietLogger())
        do {
            try await body(store)
        } catch {
            try? await store.shutdown()
            throw error
        }
        try await store.shutdown()
    }
}
