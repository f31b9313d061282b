import Foundation
import KeelCore
import KeelTestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `keel workflows` and `keel runs` against a real `keel serve` on the embedded default, which
/// runs the executor and scheduler roles by default.
@Suite("keel workflows and keel runs beside keel serve", .serialized)
struct WorkflowCommandTests {
    static let adminKey = "cli-test-admin-key-0123456789abcdef"

    @Test("apply a definition, start a run and wait for it, read its history, and a control on a finished run is refused")
    func registerRunWatch() async throws {
        let directory = try TemporaryDirectory(prefix: "keel-cli-wf")
        defer { directory.remove() }
        let keel = KeelProcess(
            log: "embedded:\(directory.path)/log",
            extraEnvironment: ["KEEL_STORE": "embedded:\(directory.path)/store", "KEEL_ADMIN_KEY": Self.adminKey, "KEEL_TENANT": "acme"])
        let serve = try keel.start(["serve", "--listen", "127.0.0.1:0"])
        defer { serve.kill(signal: SIGKILL) }
        try #require(
            await serve.waitForOutput(timeout: .seconds(60)) { $0.contains("keel serve: ready") },
            "serve never got ready: \(serve.stdoutSoFar) \(serve.stderrSoFar)")
        let url = try #require(
            serve.stdoutSoFar.split(separator: "\n").first { $0.hasPrefix("listening on ") }.map { String($0.dropFirst("listening on ".count)) })
        var request = URLRequest(url: URL(string: "\(url)/v1/tenants")!)
        request.httpMethod = "POST"
        request.setValue("Bearer \(Self.adminKey)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(#"{"tenantId":"acme","name":"Acme"}"#.utf8)
        let (_, created) = try await URLSession.shared.data(for: request)
        try #require((created as? HTTPURLResponse)?.statusCode == 201)

        let file = "\(directory.path)/greet.json"
        let definition =
            #"{"id":"greet","output":"{{hello.result}}","steps":[{"id":"hello","kind":"set","value":"Hello, {{params.name}}"},{"id":"nap","kind":"sleep","duration":"100ms"}]}"#
        #expect(FileManager.default.createFile(atPath: file, contents: Data(definition.utf8)))
        let applied = try await keel.run(["workflows", "apply", file, "--change", "first"])
        #expect(applied.status == 0 && applied.stdout.contains("greet version 1"), "\(applied.stdout) \(applied.stderr)")

        let started = try await keel.run(["runs", "start", "greet", "--input", #"{"name":"Ada"}"#, "--wait", "30s"], timeout: .seconds(60))
        #expect(started.status == 0, "\(started.stderr)")
        let run = try JSONValue.parse(started.stdout)
        #expect(run["status"]?.stringValue == "completed", "\(started.stdout)")
        #expect(run["output"]?.stringValue == "Hello, Ada", "the output template: \(started.stdout)")
        let runId = try #require(run["runId"]?.stringValue)

        let history = try await keel.run(["runs", "history", runId])
        #expect(history.status == 0 && history.stdout.contains("keel.workflow.run.completed"), "\(history.stdout) \(history.stderr)")
        let cancel = try await keel.run(["runs", "control", "cancel", runId])
        #expect(cancel.status == 2, "a finished run cannot be cancelled: \(cancel.stdout) \(cancel.stderr)")

        let bad = #"{"id":"broken","steps":[{"id":"a","kind":"teleport"}]}"#
        #expect(FileManager.default.createFile(atPath: file, contents: Data(bad.utf8)))
        let refused = try await keel.run(["workflows", "apply", file])
        #expect(refused.status == 2 && refused.stderr.contains("teleport"), "\(refused.stderr)")
    }
}
