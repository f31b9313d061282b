import Foundation
import KeelCore
import KeelTestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `keel replay` and `keel dlq` beside a `keel serve` that holds the embedded directory: they
/// find it through `DIR/server.json` and ask it over the operator API.
@Suite("keel replay and keel dlq beside keel serve on the embedded default", .serialized)
struct ServeOperationsCommandTests {
    static let adminKey = "cli-test-admin-key-0123456789abcdef"

    @Test("replay and dlq run through the server while it keeps serving; after a clean stop they run in-process again")
    func besideServe() async throws {
        let directory = try TemporaryDirectory(prefix: "keel-serve-ops")
        defer { directory.remove() }
        let logDirectory = "\(directory.path)/log"
        let keel = KeelProcess(
            log: "embedded:\(logDirectory)",
            extraEnvironment: ["KEEL_STORE": "embedded:\(directory.path)/store", "KEEL_ADMIN_KEY": Self.adminKey])
        let lines = (0..<200).map { #"{"type":"com.example.ops.t\#($0 % 4)","key":"k\#($0 % 7)","data":{"n":\#($0)}}"# }
        let produced = try await keel.run(["produce", "keel.external"], stdin: lines.joined(separator: "\n") + "\n")
        try #require(produced.status == 0, "\(produced.stderr)")

        let serve = try keel.start(["serve", "--listen", "127.0.0.1:0"])
        var stopped = false
        defer { if !stopped { serve.kill(signal: SIGKILL) } }
        try #require(
            await serve.waitForOutput(timeout: .seconds(60)) { $0.contains("keel serve: ready") },
            "serve never got ready: \(serve.stdoutSoFar) \(serve.stderrSoFar)")
        let url = try #require(
            serve.stdoutSoFar.split(separator: "\n").first { $0.hasPrefix("listening on ") }.map { String($0.dropFirst("listening on ".count)) })

        // The file the CLI finds the server by: this server's address and PID, owner-only.
        let serverFile = "\(logDirectory)/server.json"
        let attributes = try FileManager.default.attributesOfItem(atPath: serverFile)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let published = try JSONValue.parse(Array(try #require(FileManager.default.contents(atPath: serverFile))))
        #expect(published["url"]?.stringValue == url)
        #expect(published["pid"]?.intValue == Int64(serve.process.processIdentifier))
        #expect(published["token"]?.stringValue?.hasPrefix("keel-local-") == true)
        #expect(!(String(data: FileManager.default.contents(atPath: serverFile) ?? Data(), encoding: .utf8) ?? "").contains(Self.adminKey))

        let replay = try await keel.run(["replay", "activity"], timeout: .seconds(120))
        #expect(replay.status == 0, "\(replay.stdout) \(replay.stderr)")
        #expect(replay.stdout.contains("replay activity ["), "the same progress line as in-process: \(replay.stdout)")
        #expect(replay.stdout.contains("done: "), "\(replay.stdout)")
        #expect(replay.stdout.contains("replayed activity: ") && replay.stdout.contains("swapped in (in the server at \(url))"), "\(replay.stdout)")

        let listed = try await keel.run(["dlq", "list"])
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(listed.stdout.contains("ID") && listed.stdout.contains("STATUS"), "\(listed.stdout)")
        let listedJSON = try await keel.run(["dlq", "list", "--format", "json"])
        #expect(listedJSON.status == 0 && listedJSON.stdout.isEmpty, "\(listedJSON.stdout) \(listedJSON.stderr)")
        let redrive = try await keel.run(["dlq", "redrive", "--all"])
        #expect(redrive.status == 0, "\(redrive.stderr)")
        #expect(redrive.stdout.contains("from the server at \(url)"), "\(redrive.stdout)")
        // A dead letter that is not there is the server's 404, a usage error here.
        let missing = try await keel.run(["dlq", "skip", "audit:keel.audit:0:999999"])
        #expect(missing.status == 2 && missing.stderr.contains("no dead letter"), "\(missing.stderr)")

        // Serving went on: the server answers, and its projections are caught up and readable.
        #expect(serve.process.isRunning)
        let status = try await Self.get("\(url)/v1/projections", token: Self.adminKey)
        #expect(status.code == 200, "\(status.body)")
        let activity = status.body["projections"]?.arrayValue?.first { $0["name"]?.stringValue == "activity" }
        #expect(activity?["generations"]?.arrayValue?.count == 1, "only the live generation is left: \(status.body.jsonString)")

        serve.kill(signal: SIGTERM)
        let result = await serve.wait(timeout: .seconds(30))
        stopped = true
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: serverFile), "a clean stop removes server.json")

        // Without a server the replay runs here, as before; a stale file (its PID gone) is ignored.
        let stale: JSONValue = ["url": .string(url), "pid": .int(Int64(Int32.max - 1)), "token": "keel-local-00"]
        #expect(FileManager.default.createFile(atPath: serverFile, contents: Data(stale.serialized())))
        let local = try await keel.run(["replay", "activity"], timeout: .seconds(120))
        #expect(local.status == 0, "\(local.stdout) \(local.stderr)")
        #expect(local.stdout.contains("replayed activity: ") && !local.stdout.contains("in the server at"), "\(local.stdout)")
    }

    static func get(_ url: String, token: String) async throws -> (code: Int, body: JSONValue) {
        var request = URLRequest(url: URL(string: url)!)
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, (try? JSONValue.parse(Array(data))) ?? .null)
    }
}
