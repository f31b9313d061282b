import Foundation
import KeelCore
import KeelRuntime
import KeelStore
import KeelStoreEmbedded
import KeelTestSupport
import Testing

@Suite("Fault injection: a SIGKILLed keel replay", .serialized)
struct ReplayKillTests {
    @Test("keel replay killed mid-build leaves the live projection untouched and can be restarted", .timeLimit(.minutes(5)))
    func replayKilledAndRestarted() async throws {
        let env = try await Environment()
        let events = FaultInjectionTests.load()
        try await env.produce(events, to: "keel.audit")
        await env.close()
        defer { env.directory.remove() }
        let keel = KeelProcess(log: "embedded:\(env.logPath)", extraEnvironment: ["KEEL_STORE": "embedded:\(env.storePath)"])

        let built = try await keel.run(
            ["serve", "--roles", "projector", "--projections", "activity", "--exit-when-caught-up"], timeout: .seconds(150))
        #expect(built.status == 0, "\(built.stderr)")
        let before = try await Self.liveActivity(env.storePath)
        #expect(same(activitySummary(before), expectedActivity(events)))

        // Kill the replay once it reports that it is building the shadow generation.
        let replay = try keel.start(["replay", "activity"])
        let building = await replay.waitForOutput(timeout: .seconds(60)) { $0.contains("building") && $0.contains("events/s") }
        let killedWhileRunning = replay.process.isRunning
        replay.kill(signal: SIGKILL)
        let killed = await replay.wait(timeout: .seconds(10))
        #expect(building, "no progress line before the kill: \(killed.stdout) \(killed.stderr)")
        #expect(killedWhileRunning, "the replay finished before it could be killed")
        #expect(killed.status == SIGKILL)

        // Readers still see the whole live projection, and a shadow is left behind.
        let during = try await Self.liveActivity(env.storePath)
        #expect(same(activitySummary(during), activitySummary(before)), "the killed replay changed the live projection")
        let store = try await EmbeddedProjectionStore(directory: env.storePath, logger: quietLogger())
        let leftovers = try await store.generations(of: "activity").filter { !$0.isLive }
        try await store.shutdown()
        #expect(!leftovers.isEmpty, "the kill should have left a shadow generation behind")

        // Restarted, it drops the leftover, rebuilds, swaps in the same documents.
        let again = try await keel.run(["replay", "activity"], timeout: .seconds(150))
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("dropped the leftover shadow"))
        #expect(again.stdout.contains("swapped in"))
        let after = try await Self.liveActivity(env.storePath)
        #expect(same(activitySummary(after), activitySummary(before)))
        let reopened = try await EmbeddedProjectionStore(directory: env.storePath, logger: quietLogger())
        let generations = try await reopened.generations(of: "activity")
        try await reopened.shutdown()
        #expect(generations == [.live("activity")])
    }

    /// Every live `activity` document, by id.
    static func liveActivity(_ storePath: String) async throws -> [String: Document] {
        let store = try await EmbeddedProjectionStore(directory: storePath, options: EmbeddedStoreOptions(mode: .readOnly), logger: quietLogger())
        var documents: [String: Document] = [:]
        var cursor: String?
        repeat {
            let page = try await store.query(DocumentQuery(target: .live("activity"), collection: "activity", limit: 1000, after: cursor))
            for document in page.documents { documents[document["_id"]?.stringValue ?? "?"] = document }
            cursor = page.nextCursor
        } while cursor != nil
        try await store.shutdown()
        return documents
    }
}
