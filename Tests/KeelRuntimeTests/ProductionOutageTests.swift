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
    @Test("MongoDB killed and restarted while the projector applies: it pauses, resumes, and the documents are exact", .timeLimit(.minutes(3)))
    func storeRestartedMidRun() async throws {
        guard let servers = ProductionServers.available() else { return }
        // A server of this test's own, with file storage: it keeps its data across the restart.
        let mongo = try ProductionPrivateMongo()
        let uri = try await mongo.start()
        do {
            try await restartScenario(servers, mongo: mongo, uri: uri)
        } catch {
            await mongo.stop()
            throw error
        }
        await mongo.stop()
    }

    private func restartScenario(_ servers: ProductionServers, mongo: ProductionPrivateMongo, uri: String) async throws {
        let env = try await ProductionEnvironment(servers, mongoURI: uri)
        defer { Task.detached { await env.close() } }
        // The service's own store client, with the driver's retries cut short, so the outage
        // reaches the runtime (whose backoff must pause, not skip) instead of hiding in the driver.
        let serviceStore = ObservedStore(
            try await MongoProjectionStore(
                uri: uri,
                options: MongoStoreOptions(
                    database: env.database, connectTimeout: .milliseconds(300), serverSelectionTimeout: .milliseconds(300),
                    retry: .init(maxAttempts: 1)),
                logger: quietLogger()))
        let serviceLog = try await env.makeLog()
        let captured = CapturedLog()
        let running = RunningServices([
            productionService(env.activity, log: serviceLog, store: serviceStore, maxBatchSize: 200, logger: captured.logger),
            productionService(env.keys, log: serviceLog, store: serviceStore, maxBatchSize: 200, logger: captured.logger),
        ])
        var events: [CloudEvent] = []
        var coordinates: [RecordCoordinates] = []
        func produce(_ count: Int) async throws {
            let batch = productionEvents(count, start: events.count)
            coordinates += try await env.produce(batch)
            events += batch
        }
        // What a failure report needs to tell a stalled consumer from a failing store or a dead service.
        func report() async -> String {
            let checkpoint = (try? await env.checkpoint(env.activity)).map { "\($0.sorted { $0.key < $1.key })" } ?? "unreadable"
            let total = (try? await env.activitySummary())?.values.reduce(0) { $0 + $1.count } ?? -1
            return """
                services \(running.state); \(serviceStore.applied) batch(es) applied, \(serviceStore.failed) failed, \
                partitions \(serviceStore.partitions.sorted()); activity counts \(total) of \(events.count) events; \
                activity checkpoint \(checkpoint), produced up to \(nextOffsets(coordinates).sorted { $0.key < $1.key })
                \(captured.transcript())
                """
        }
        do {
            try await produce(2000)
            let expectedFirst = expectedActivity(events)
            let caughtUp = try await eventually(timeout: .seconds(60)) { same(try await env.activitySummary(), expectedFirst) }
            let stalled = caughtUp ? "" : await report()
            try #require(caughtUp, "before the outage the projection never matched: \(stalled)")

            // Crash and restart the server while events keep arriving (so batches are in flight across it).
            let failedBefore = serviceStore.failed
            let producer = Task {
                var produced: [(CloudEvent, RecordCoordinates)] = []
                for round in 0..<40 {
                    let batch = productionEvents(150, start: 100_000 + round * 150)
                    produced += zip(batch, try await env.produce(batch))
                    try await Task.sleep(for: .milliseconds(150))
                }
                return produced
            }
            try await Task.sleep(for: .milliseconds(800))
            // A crash, a few seconds down, then the same server (port, files) back up.
            try mongo.kill()
            try await Task.sleep(for: .seconds(2))
            let restarted = try await mongo.restart()
            #expect(restarted == uri, "the server came back elsewhere: \(restarted)")
            let produced = try await producer.value
            events += produced.map(\.0)
            coordinates += produced.map(\.1)

            let expectedAll = expectedActivity(events)
            let recovered = try await eventually(timeout: .seconds(90)) { same(try await env.activitySummary(), expectedAll) }
            let unrecovered = recovered ? "" : await report()
            #expect(recovered, "after the restart the projection never matched exactly: \(unrecovered)")
            let expectedKeyDocuments = expectedKeys(events, coordinates, topic: env.topic)
            #expect(try await eventually(timeout: .seconds(30)) { try await env.keysSummary() == expectedKeyDocuments })
            try await running.stop()

            #expect(serviceStore.failed > failedBefore, "the outage never reached the runtime (did the restart happen mid-run?)")
            let paused = captured.messages(.warning).filter { $0.contains("paused") }
            #expect(!paused.isEmpty, "no 'paused' warning was logged")
            #expect(captured.messages(.notice).contains { $0.contains("resumed") }, "no 'resumed' notice was logged")
            #expect(same(try await env.activitySummary(), expectedAll))
            #expect(try await env.activitySummary().values.reduce(0) { $0 + $1.count } == Int64(events.count))
            #expect(try await env.checkpoint(env.activity) == nextOffsets(coordinates))
            #expect(try await env.checkpoint(env.keys) == nextOffsets(coordinates))
        } catch {
            try? await running.stop()
            try? await serviceLog.shutdown()
            try? await serviceStore.shutdown()
            throw error
        }
        try await serviceLog.shutdown()
        try await serviceStore.shutdown()
    }
}
