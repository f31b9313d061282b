import Foundation
import KeelCore
import KeelKafka
import KeelLog
import KeelMongo
import KeelRuntime
import KeelStore
import KeelTestSupport
import Testing

/// The projector runtime on the production path: KafkaEventLog (consumer groups,
/// cooperative-sticky) + MongoProjectionStore, end to end.
/// One serialized suite for every production-path test (this file and the other
/// `Production*Tests.swift` files extend it): they all use the consumer groups
/// `keel.projector.<name>`, whose names are fixed, so running them at once would make their
/// groups rebalance each other.
@Suite("Production path: projector runtime on Kafka + MongoDB", .serialized)
struct ProductionTests {
    @Test("keeps activity and keys exact while events arrive; a graceful stop checkpoints the log positions", .timeLimit(.minutes(3)))
    func liveOnKafkaAndMongo() async throws {
        guard let servers = ProductionServers.available() else { return }
        let env = try await ProductionEnvironment(servers)
        defer { Task.detached { await env.close() } }
        let first = productionEvents(3000)
        let firstCoordinates = try await env.produce(first)
        #expect(Set(firstCoordinates.map(\.partition)).count == Int(env.partitions), "the events should cover every partition")

        let serviceLog = try await env.makeLog()
        let running = RunningServices([
            productionService(env.activity, log: serviceLog, store: env.store),
            productionService(env.keys, log: serviceLog, store: env.store),
        ])
        var stopped = false
        do {
            let expectedFirst = expectedActivity(first)
            let caughtUp = try await eventually(timeout: .seconds(60)) { same(try await env.activitySummary(), expectedFirst) }
            #expect(caughtUp, "activity never matched the first \(first.count) events")
            // `keys` is a service of its own: it may be a batch behind `activity`.
            let expectedFirstKeys = expectedKeys(first, firstCoordinates, topic: env.topic)
            #expect(try await eventually(timeout: .seconds(30)) { try await env.keysSummary() == expectedFirstKeys })

            // More while it runs.
            let second = productionEvents(1500, start: 3000)
            let secondCoordinates = try await env.produce(second)
            let all = first + second
            let allCoordinates = firstCoordinates + secondCoordinates
            let expectedAll = expectedActivity(all)
            let caughtUpAgain = try await eventually(timeout: .seconds(60)) { same(try await env.activitySummary(), expectedAll) }
            #expect(caughtUpAgain, "activity never matched all \(all.count) events")
            let expectedKeyDocuments = expectedKeys(all, allCoordinates, topic: env.topic)
            #expect(try await eventually(timeout: .seconds(30)) { try await env.keysSummary() == expectedKeyDocuments })

            try await running.stop()
            stopped = true
            let ends = nextOffsets(allCoordinates)
            #expect(try await env.checkpoint(env.activity) == ends)
            #expect(try await env.checkpoint(env.keys) == ends)
            // Nothing moved after the stop, and the totals add up.
            #expect(same(try await env.activitySummary(), expectedAll))
            #expect(try await env.activitySummary().values.reduce(0) { $0 + $1.count } == Int64(all.count))
            #expect(try await env.store.deadLetters(.live(env.activity.name)).isEmpty)
        } catch {
            if !stopped { try? await running.stop() }
            try? await serviceLog.shutdown()
            throw error
        }
        try await serviceLog.shutdown()
    }
}
