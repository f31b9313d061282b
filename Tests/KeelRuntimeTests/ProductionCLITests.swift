import Foundation
import KeelCore
import KeelKafka
import KeelLog
import KeelMongo
import KeelRuntime
import KeelStore
import KeelTestSupport
import Testing

extension ProductionTests {
    @Test(
        "keel replay beside keel serve on Kafka + MongoDB: it swaps in, the serving projector stays exact after the promote, status reports the checkpoint",
        .timeLimit(.minutes(3)))
    func replayBesideServe() async throws {
        guard let servers = ProductionServers.available() else { return }
        let env = try await ProductionEnvironment(servers)
        defer { Task.detached { await env.close() } }
        // A catalog of this test's own: its topic (so `activity` reads nothing another test writes)
        // and the dead-letter topic. The projection and its group keep their real names here.
        let catalog = try env.testCatalog(sharing: ["keel.deadletter"])
        defer { catalog.remove() }
        let keel = KeelProcess(
            log: "kafka:\(servers.kafka)", extraEnvironment: ["KEEL_STORE": env.storeURI, "KEEL_TOPICS": catalog.path])
        let live = CollectionSet.live(ActivityProjector.projectionName)
        func activity() async throws -> [String: (count: Int64, first: Int64, last: Int64)] {
            activitySummary(try await env.documents(ActivityProjector.collection, in: live))
        }

        var events = productionEvents(3000)
        var coordinates = try await env.produce(events)
        let serve = try keel.start(["serve", "--roles", "projector", "--projections", "activity"])
        var stopped = false
        defer { if !stopped { serve.kill(signal: SIGKILL) } }
        try #require(
            await serve.waitForOutput(timeout: .seconds(45)) { $0.contains("keel serve: ready") }, "serve never got ready: \(serve.stderrSoFar)")
        let expectedFirst = expectedActivity(events)
        #expect(try await eventually(timeout: .seconds(60)) { same(try await activity(), expectedFirst) }, "serve never built activity")

        // Rebuild beside the running projector (allowed on Kafka + MongoDB).
        let replay = try await keel.run(["replay", "activity"], timeout: .seconds(90))
        try #require(replay.status == 0, "replay failed: \(replay.stderr)")
        #expect(replay.stdout.contains("swapped in"), "\(replay.stdout)")
        #expect(try await env.store.generations(of: ActivityProjector.projectionName) == [live], "the old generation or the shadow was left behind")
        let afterReplay = try await activity()
        // tansu reports end offsets of 0; the replayer still reads at least to the live checkpoint.
        #expect(same(afterReplay, expectedFirst), "the replay did not rebuild the same documents")

        // The serving projector's checkpoint was replaced underneath it: its next batch is refused
        // (ProjectionBatch.expected), it re-reads the checkpoint and goes on exactly.
        let more = productionEvents(1000, start: events.count)
        coordinates += try await env.produce(more)
        events += more
        let expectedAll = expectedActivity(events)
        #expect(
            try await eventually(timeout: .seconds(60)) { same(try await activity(), expectedAll) },
            "after the promote, the serving projector never matched exactly")
        #expect(try await activity().values.reduce(0) { $0 + $1.count } == Int64(events.count))

        // keel projections status reports the checkpoint (every partition at the log's end) and lag 0.
        let ends = nextOffsets(coordinates)
        var lastStatus = ""
        let reported = try await eventually(timeout: .seconds(30), every: .milliseconds(500)) {
            let status = try await keel.run(["projections", "status", "--format", "json"])
            lastStatus = status.stdout + status.stderr
            guard status.status == 0 else { return false }
            let parsed = try JSONValue.parse(status.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
            guard let projection = parsed["projections"]?.arrayValue?.first(where: { $0["name"] == .string("activity") }) else { return false }
            var checkpoints: [Int32: Int64] = [:]
            for item in projection["partitions"]?.arrayValue ?? [] where item["topic"] == .string(env.topic) {
                if let partition = item["partition"]?.intValue, let checkpoint = item["checkpoint"]?.intValue {
                    checkpoints[Int32(partition)] = checkpoint
                }
            }
            return checkpoints == ends && projection["lag"] == .int(0) && projection["state"] == .string("caught-up")
        }
        #expect(reported, "status never reported the checkpoint \(ends.sorted { $0.key < $1.key }) with lag 0: \(lastStatus)")

        serve.kill(signal: SIGTERM)
        let result = await serve.wait(timeout: .seconds(30))
        stopped = true
        #expect(result.status == 0 && result.stdout.contains("keel serve: stopped"), "\(result.stdout) \(result.stderr)")
        #expect(same(try await activity(), expectedAll))
        #expect(try await env.checkpoint(ActivityProjector(topics: [env.topic])) == ends)
    }
}
