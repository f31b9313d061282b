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
        "two services in one consumer group split the partitions; one stops mid-run, the other takes over (a new one joins with KEEL_SLOW_TESTS=1); no loss, no double count",
        .timeLimit(.minutes(3)))
    func groupTakeover() async throws {
        guard let servers = ProductionServers.available() else { return }
        let env = try await ProductionEnvironment(servers)
        defer { Task.detached { await env.close() } }
        // Two members as two processes would be: each its own Kafka client and its own Mongo client.
        let logA = try await env.makeLog()
        let logB = try await env.makeLog()
        let logC = try await env.makeLog()
        let storeB = try await MongoProjectionStore(uri: env.mongoURI, options: MongoStoreOptions(database: env.database), logger: quietLogger())
        let storeA = ObservedStore(env.store)
        let observedB = ObservedStore(storeB)
        let readyA = ReadyFlag()
        let readyB = ReadyFlag()
        // Small batches: many atomic applies per partition, so a stop lands between (and during) them.
        let memberA = RunningServices([productionService(env.activity, log: logA, store: storeA, maxBatchSize: 100, onReady: readyA.callback)])
        let memberB = RunningServices([productionService(env.activity, log: logB, store: observedB, maxBatchSize: 100, onReady: readyB.callback)])
        var memberC: RunningServices?
        var stoppedA = false
        var events: [CloudEvent] = []
        var coordinates: [RecordCoordinates] = []
        func produce(_ count: Int) async throws {
            let batch = productionEvents(count, start: events.count)
            coordinates += try await env.produce(batch)
            events += batch
        }
        do {
            #expect(try await eventually(timeout: .seconds(45)) { readyA.isSet && readyB.isSet }, "both members should get partitions")
            // Both work: the group split the topic's partitions between them.
            for _ in 0..<6 {
                try await produce(700)
                try await Task.sleep(for: .milliseconds(150))
            }
            let expectedSplit = expectedActivity(events)
            #expect(try await eventually(timeout: .seconds(60)) { same(try await env.activitySummary(), expectedSplit) })
            let splitA = storeA.partitions
            let splitB = observedB.partitions
            #expect(!splitA.isEmpty && !splitB.isEmpty, "A applied \(splitA.sorted()), B applied \(splitB.sorted())")
            #expect(splitA.isDisjoint(with: splitB), "A applied \(splitA.sorted()), B applied \(splitB.sorted())")
            #expect(splitA.union(splitB) == Set(0..<env.partitions))

            // A stops (gracefully, as on SIGTERM) while events keep arriving: B takes A's partitions over.
            observedB.forgetPartitions()
            let appliedByA = storeA.applied
            try await produce(1500)
            try await memberA.stop()
            stoppedA = true
            #expect(storeA.applied >= appliedByA)
            for _ in 0..<4 {
                try await produce(500)
                try await Task.sleep(for: .milliseconds(200))
            }
            let expectedTakeover = expectedActivity(events)
            #expect(
                try await eventually(timeout: .seconds(60)) { same(try await env.activitySummary(), expectedTakeover) },
                "after A stopped, B never caught up exactly")
            #expect(
                observedB.partitions.isSuperset(of: splitA),
                "B should have taken A's partitions \(splitA.sorted()), applied \(observedB.partitions.sorted())")

            // A third member joins (HA under a rebalance with a newcomer): on tansu this takes two
            // rounds of joins and often tens of seconds, so it runs with KEEL_SLOW_TESTS=1
            // (Scripts/test-slow.sh); CI checks the split and the takeover above.
            var expectedAll = expectedTakeover
            if SlowTests.enabled {
                // A third member joins: partitions move from B to C, which resumes from the store's checkpoint.
                let storeC = ObservedStore(env.store)
                let readyC = ReadyFlag()
                memberC = RunningServices([productionService(env.activity, log: logC, store: storeC, maxBatchSize: 100, onReady: readyC.callback)])
                // A cooperative rebalance on tansu takes two rounds of joins (~11 s), and the first
                // assignment a joining member sees may be empty: keep events coming until C applies some.
                for _ in 0..<100 where storeC.partitions.isEmpty {
                    try await produce(100)
                    try await Task.sleep(for: .milliseconds(300))
                }
                #expect(readyC.isSet, "the third member never got an assignment")
                try await produce(2000)
                expectedAll = expectedActivity(events)
                #expect(
                    try await eventually(timeout: .seconds(60)) { same(try await env.activitySummary(), expectedAll) },
                    "after C joined, the projection never matched exactly")
                // On tansu, in full-suite runs, the third member often never gets partitions within ~40 s
                // (it does when this test runs alone). tansu was seen keeping a member that left (A) as
                // the group's leader, which stalls later joins; not yet ruled out: something in our
                // cooperative rebalance under load. Unresolved — on Kafka the new member must take a share.
                withKnownIssue("tansu: after a member leaves, a later join may never be given partitions (unresolved)", isIntermittent: true) {
                    #expect(!storeC.partitions.isEmpty, "the third member never applied a batch")
                } when: {
                    TestServers.kafkaIsTansu
                }
            }

            try await memberC?.stop()
            try await memberB.stop()
            #expect(same(try await env.activitySummary(), expectedAll))
            #expect(try await env.activitySummary().values.reduce(0) { $0 + $1.count } == Int64(events.count))
            #expect(try await env.checkpoint(env.activity) == nextOffsets(coordinates))
        } catch {
            if !stoppedA { try? await memberA.stop() }
            try? await memberB.stop()
            try? await memberC?.stop()
            for log in [logA, logB, logC] { try? await log.shutdown() }
            try? await storeB.shutdown()
            throw error
        }
        for log in [logA, logB, logC] { try await log.shutdown() }
        try await storeB.shutdown()
    }
}
