import Foundation
import KeelCore
import KeelMongo
import KeelStore
import Testing

/// Faults: an unreachable server, and a server restarted under a running projection.
@Suite(.serialized) struct MongoFaultTests {
    @Test func unreachableServerIsUnavailableWithinTheBound() async throws {
        // A port nobody listens on: bind one, read its number, close it.
        let port = try await closedPort()
        let started = ContinuousClock.now
        let error = await #expect(throws: StoreError.self) {
            _ = try await MongoProjectionStore(
                uri: "mongodb://127.0.0.1:\(port)/x",
                options: MongoStoreOptions(connectTimeout: .milliseconds(500), serverSelectionTimeout: .seconds(1)),
                logger: MongoTestServer.logger())
        }
        let elapsed = ContinuousClock.now - started
        #expect(error?.code == .unavailable)
        #expect(
            error?.message.contains("could not reach MongoDB at mongodb://127.0.0.1:\(port)/x within 1.0s") == true, "\(String(describing: error))")
        #expect(elapsed < .seconds(5), "took \(elapsed)")
    }

    @Test func restartMidRunLosesNothingAndCountsOnce() async throws {
        guard MongoTestServer.url() != nil else { return }  // integration runs only: needs the runtime script's venv
        let server = try PrivateMongo()
        let url = try await server.start()
        do {
            try await restartScenario(url, server)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    private func restartScenario(_ url: String, _ server: PrivateMongo) async throws {
        try await MongoTestServer.withStore(url, options: MongoStoreOptions(retry: .init(maxAttempts: 10, initialBackoff: .milliseconds(100)))) {
            (store: MongoProjectionStore) async throws in
            let target = CollectionSet.live("restart")
            for next in Int64(1)...5 {
                #expect(try await store.apply(.on(target, [.inc("c", "k", "n")], next: next)) == .applied)
            }
            _ = try await server.restart()
            // The pooled connections are dead now: the next apply must retry and succeed by itself.
            #expect(try await store.apply(.on(target, [.inc("c", "k", "n")], next: 6)) == .applied)
            #expect(try await store.apply(.on(target, [.inc("c", "k", "n")], next: 6)) == .skippedAsDuplicate)
            for next in Int64(7)...8 {
                #expect(try await store.apply(.on(target, [.inc("c", "k", "n")], next: next)) == .applied)
            }
            #expect(try await store.find(target, collection: "c", id: "k")?["n"] == .int(8))
            #expect(try await store.checkpoint(target)?.positions[LogPosition("t", 0)] == 8)
        }
    }

    private func closedPort() async throws -> Int {
        let output = try await PrivateMongo.run([
            "python3", "-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1]); s.close()",
        ])
        return Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 1
    }
}

/// A SecantusDB instance of the test's own (own port, file storage, own run folder), driven by
/// `Scripts/mongo-runtime.sh` with `KEEL_MONGO_RUN_DIR`.
struct PrivateMongo {
    let runDirectory: String

    init() throws {
        runDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("keel-mongo-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)
    }

    func start() async throws -> String { try await script("start").trimmingCharacters(in: .whitespacesAndNewlines) }
    func restart() async throws -> String { try await script("restart").trimmingCharacters(in: .whitespacesAndNewlines) }

    func stop() async {
        _ = try? await script("stop")
        try? FileManager.default.removeItem(atPath: runDirectory)
    }

    private func script(_ command: String) async throws -> String {
        let path = MongoTestServer.repositoryRoot.appendingPathComponent("Scripts/mongo-runtime.sh").path
        return try await Self.run(["bash", path, command], environment: ["KEEL_MONGO_RUN_DIR": runDirectory])
    }

    static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        // Output goes to a file, not a pipe: the server the script starts may inherit descriptors,
        // and a pipe would then never reach end-of-file.
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("keel-mongo-out-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardOutput = output
        // terminationHandler, not waitUntilExit (which can miss the exit when called from a test task).
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            process.terminationHandler = { _ in continuation.resume() }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        try output.close()
        guard process.terminationStatus == 0 else {
            throw StoreError(.internalError, "\(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
        return (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    }
}
