import Foundation
import KeelCore
import KeelLog
import KeelRuntime
import KeelStore
import KeelStoreEmbedded
import KeelTestSupport
import Testing

@Suite("Fault injection: SIGKILLed projector processes", .serialized)
struct FaultInjectionTests {
    /// 100,000 events of 7 tenants × 4 types over ~2 days, all on keel.audit.
    static func load() -> [CloudEvent] {
        let types = ["keel.audit.action.recorded", "com.example.order.placed", "com.example.order.paid", "com.example.user.seen"]
        return (0..<100_000).map { index in
            event(types[index % 4], tenant: "t\(index % 7)", timeMs: 1_790_000_000_000 + Int64(index) * 1_700, data: auditData())
        }
    }

    @Test("keel serve killed at random points (≥ 3 times; ≥ 10 with KEEL_SLOW_TESTS=1) ends with exactly the clean result", .timeLimit(.minutes(5)))
    func killAndRestart() async throws {
        // The soak (12 rounds, ≥ 10 kills) runs with Scripts/test-slow.sh; CI runs 4 rounds.
        let rounds = SlowTests.choose(short: 4, full: 12)
        let minimumKills = SlowTests.choose(short: 3, full: 10)
        let env = try await Environment()
        let events = Self.load()
        try await env.produce(events, to: "keel.audit")
        await env.close()
        defer { env.directory.remove() }
        let keel = KeelProcess(log: "embedded:\(env.logPath)", extraEnvironment: ["KEEL_STORE": "embedded:\(env.storePath)"])
        var generator = SystemRandomNumberGenerator()
        var kills = 0
        for round in 0..<rounds {
            let running = try keel.start(["serve", "--roles", "projector", "--projections", "activity"])
            // Random points: some before the projector is ready, most while it is applying batches.
            let delay = round % 4 == 0 ? Int.random(in: 20...150, using: &generator) : Int.random(in: 150...900, using: &generator)
            try await Task.sleep(for: .milliseconds(delay))
            if running.process.isRunning {
                running.kill(signal: SIGKILL)
                kills += 1
            }
            let result = await running.wait(timeout: .seconds(10))
            #expect(result.status == SIGKILL || result.status == 0, "round \(round): \(result.stderr)")
        }
        #expect(kills >= minimumKills)
        let final = try keel.start(["serve", "--roles", "projector", "--projections", "activity", "--exit-when-caught-up"])
        let result = await final.wait(timeout: .seconds(150))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("keel serve: ready"))

        let store = try await EmbeddedProjectionStore(directory: env.storePath, logger: quietLogger())
        var documents: [String: Document] = [:]
        var cursor: String?
        repeat {
            let page = try await store.query(DocumentQuery(target: .live("activity"), collection: "activity", limit: 1000, after: cursor))
            for document in page.documents { documents[document["_id"]?.stringValue ?? "?"] = document }
            cursor = page.nextCursor
        } while cursor != nil
        try await store.shutdown()
        let expected = expectedActivity(events)
        #expect(documents.count == expected.count)
        #expect(same(activitySummary(documents), expected), "activity differs from the clean run")
        #expect(activitySummary(documents).values.reduce(0) { $0 + $1.count } == 100_000)
    }

    @Test("the CLI: unknown role and projection are usage errors; replay --from in the future changes nothing")
    func cliRefusals() async throws {
        let directory = try TemporaryDirectory(prefix: "keel-cli-runtime")
        defer { directory.remove() }
        let keel = KeelProcess(log: "embedded:\(directory.path)/log", extraEnvironment: ["KEEL_STORE": "embedded:\(directory.path)/store"])
        #expect(try await keel.run(["topics", "apply"]).status == 0)
        let role = try await keel.run(["serve", "--roles", "projector,mixer"])
        #expect(role.status == 2 && role.stderr.contains("unknown role 'mixer'"))
        let unknown = try await keel.run(["replay", "nope"])
        #expect(unknown.status == 2 && unknown.stderr.contains("unknown projection 'nope'"))
        let future = try await keel.run(["replay", "activity", "--from", "2999-01-01T00:00:00Z"])
        #expect(future.status == 2 && future.stderr.contains("in the future"))
        let missing = try await keel.run(["projections", "status"])
        #expect(missing.status == 1 && missing.stderr.contains("no embedded store"))
        #expect(try await keel.run(["serve", "--roles", "projector", "--exit-when-caught-up"]).status == 0)
        let status = try await keel.run(["projections", "status", "--format", "json"])
        #expect(status.status == 0)
        let parsed = try JSONValue.parse(status.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(parsed["projections"]?.arrayValue?.count == StandardProjections.names.count)
        let dlq = try await keel.run(["dlq", "redrive", "not-an-id"])
        #expect(dlq.status == 2)
    }

    @Test("embedded storage: replay and dlq redrive beside a running serve fail with a clear message")
    func besideServe() async throws {
        let directory = try TemporaryDirectory(prefix: "keel-cli-runtime")
        defer { directory.remove() }
        let keel = KeelProcess(log: "embedded:\(directory.path)/log", extraEnvironment: ["KEEL_STORE": "embedded:\(directory.path)/store"])
        #expect(try await keel.run(["topics", "apply"]).status == 0)
        let serve = try keel.start(["serve", "--roles", "projector"])
        #expect(await serve.waitForOutput(timeout: .seconds(30)) { $0.contains("keel serve: ready") })
        let replay = try await keel.run(["replay", "activity"])
        #expect(replay.status == 1 && replay.stderr.contains("only one"))
        let redrive = try await keel.run(["dlq", "redrive", "--all"])
        #expect(redrive.status == 1 && redrive.stderr.contains("only one"))
        let list = try await keel.run(["dlq", "list", "--format", "json"])
        #expect(list.status == 0)
        serve.kill(signal: SIGTERM)
        let stopped = await serve.wait(timeout: .seconds(30))
        #expect(stopped.status == 0 && stopped.stdout.contains("keel serve: stopped"))
    }
}
