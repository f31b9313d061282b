import ArgumentParser
import Foundation
import KeelLog
import KeelMongo
import KeelStore
import KeelStoreEmbedded
import Logging

/// `--store embedded:DIR | mongodb://…` (env KEEL_STORE, default `embedded:./.keel/store`).
struct StoreOptions: ParsableArguments {
    @Option(
        name: .customLong("store"),
        help: ArgumentHelp("Where projections live: embedded:DIR or mongodb://… Env KEEL_STORE.", valueName: "location"))
    var storeLocation: String?

    func validate() throws {
        _ = try location()
    }

    func location() throws -> StoreLocation {
        let raw = storeLocation ?? ProcessInfo.processInfo.environment["KEEL_STORE"] ?? "embedded:./.keel/store"
        guard let location = StoreLocation(raw) else {
            throw ValidationError("--store must be embedded:DIR or mongodb://HOST[:PORT]/DB, got '\(raw)'")
        }
        return location
    }

    /// Opens the store. `readOnly` opens an embedded store beside a running writer (`keel serve`).
    /// An embedded store held by another process fails with a message that says so.
    func openStore(readOnly: Bool = false, logger: Logger) async throws -> any ProjectionStore {
        do {
            switch try location() {
            case .embedded(let directory):
                if readOnly, !FileManager.default.fileExists(atPath: directory) {
                    throw CLIFailure.runtime("no embedded store at \(directory) (run `keel serve --roles projector` first)")
                }
                var options = EmbeddedStoreOptions()
                options.mode = readOnly ? .readOnly : .writer
                return try await EmbeddedProjectionStore(directory: directory, options: options, logger: logger)
            case .mongo(let uri):
                return try await MongoProjectionStore(uri: uri, logger: logger)
            }
        } catch let error as StoreError where error.code == .locked {
            throw CLIFailure.runtime(
                "the embedded store is in use by another process (\(error.message)); with embedded storage only one "
                    + "process may write (stop `keel serve` first, or use Kafka + MongoDB to run this beside it)")
        } catch let error as StoreError {
            throw CLIFailure.runtime("cannot open the projection store: \(error.message)")
        }
    }
}

/// Where the projection store lives.
enum StoreLocation: Equatable, CustomStringConvertible {
    case embedded(String)
    case mongo(String)

    init?(_ raw: String) {
        if raw.hasPrefix("embedded:") {
            let path = String(raw.dropFirst("embedded:".count))
            guard !path.isEmpty else { return nil }
            self = .embedded(path)
        } else if raw.hasPrefix("mongodb://") || raw.hasPrefix("mongodb+srv://") {
            self = .mongo(raw)
        } else {
            return nil
        }
    }

    var description: String {
        switch self {
        case .embedded(let directory): "embedded:\(directory)"
        case .mongo(let uri): uri
        }
    }
}

extension GlobalOptions {
    /// Opens the log for writing; when an embedded log is held by another process (a running
    /// `keel serve`), says so and what to do instead.
    func openWritableLog(for purpose: String) async throws -> any EventLog {
        do {
            return try await openLog()
        } catch let failure as CLIFailure {
            if case .embedded = try location(), failure.message.contains("lock") || failure.message.contains("another") {
                throw CLIFailure.runtime(
                    "\(purpose) needs to write to the embedded log, which another process (probably `keel serve`) holds: "
                        + "\(failure.message). With embedded storage only one process may write; stop it first, or use Kafka + MongoDB.")
            }
            throw failure
        }
    }
}
