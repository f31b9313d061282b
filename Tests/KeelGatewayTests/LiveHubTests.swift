import Foundation
import KeelCore
import KeelLog
import KeelLogEmbedded
import KeelTestSupport
import Synchronization
import Testing

@testable import KeelGateway

@Suite("Live hub: one reader per topic, byte-bounded subscribers")
struct LiveHubTests {
    @Test("a buffer takes items up to its byte budget, then ends the stream as a slow consumer")
    func bufferBudget() async throws {
        let message = LiveItem.event(LiveMessage(json: Array(repeating: 0x61, count: 100), position: StreamPosition(), type: "t"))
        let buffer = SubscriberBuffer(capacityBytes: 3 * message.byteCount)
        for _ in 0..<3 { #expect(buffer.offer(message)) }
        #expect(!buffer.offer(message))
        #expect(buffer.overflowed)
        // A slow consumer's backlog is dropped: it resumes from its last position anyway.
        #expect(await buffer.next() == nil)
        // One item larger than the whole budget still fits an empty buffer.
        let big = LiveItem.event(LiveMessage(json: Array(repeating: 0x61, count: 10_000), position: StreamPosition(), type: "t"))
        let roomy = SubscriberBuffer(capacityBytes: 1_000)
        #expect(roomy.offer(big))
        roomy.finish(.shutdown)
        #expect(!roomy.offer(message))
        #expect(await roomy.next() != nil)
        #expect(await roomy.next() == nil)
        #expect(roomy.end == .shutdown)
    }

    @Test("a waiting consumer is woken by an offer, and by cancellation")
    func bufferWakeUps() async throws {
        let buffer = SubscriberBuffer(capacityBytes: 1 << 20)
        let taker = Task { await buffer.next() }
        // Whether the consumer is already waiting or not yet, it gets the item.
        #expect(buffer.offer(.heartbeat))
        guard case .heartbeat? = await taker.value else {
            Issue.record("the waiting consumer did not get the offered item")
            return
        }
        let waiting = SubscriberBuffer(capacityBytes: 1 << 20)
        let task = Task { await waiting.next() }
        task.cancel()
        #expect(await task.value == nil)
        #expect(waiting.end == .clientGone)
    }

    @Test("subscribers joining from the past while events flow each get every record once, in order, through one feed")
    func catchUpJoinsTheFeedWithoutGapOrDuplicate() async throws {
        let directory = try TemporaryDirectory(prefix: "keel-hub")
        defer { directory.remove() }
        let log = try await EmbeddedEventLog(directory: "\(directory.path)/log", logger: quietLogger())
        _ = try await log.createTopic(TopicSpec(name: "keel.external", partitions: 3))
        let hub = LiveHub(
            log: log, configuration: SubscriptionConfiguration(), access: AccessService(log: log, logger: quietLogger()), logger: quietLogger())
        let running = Task { try await hub.run() }
        func produce(_ range: Range<Int>) async throws {
            for index in range {
                var event = CloudEvent(id: "e\(index)", source: "test", type: "com.acme.thing.done", json: ["n": .int(Int64(index))])
                event.tenantid = index % 5 == 0 ? "globex" : "acme"
                event.partitionkey = "k\(index % 7)"
                _ = try await log.produce(OutgoingRecord(event), to: "keel.external")
            }
        }
        try await produce(0..<200)
        let principal = Principal(credential: .adminBootstrap, tenant: nil, roles: [.admin])
        let expected = (0..<400).filter { $0 % 5 != 0 }.map { "e\($0)" }
        // Three subscribers from the start join while 200 more events are produced.
        let results = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<3 {
                group.addTask {
                    let slot = try hub.admit(principal, tenant: "acme")
                    let buffer = SubscriberBuffer(capacityBytes: 1 << 24)
                    let request = LiveStreamRequest(topic: "keel.external", tenant: "acme", start: .earliest)
                    try await hub.subscribe(slot.id, request, partitions: [0, 1, 2], into: buffer)
                    var ids: [String] = []
                    var positions: [StreamPosition] = []
                    while ids.count < expected.count, let item = await buffer.next() {
                        guard case .event(let message) = item else { continue }
                        let event = try JSONValue.parse(message.json)
                        ids.append(event["id"]?.stringValue ?? "?")
                        positions.append(message.position)
                        #expect(event["tenantid"]?.stringValue == "acme")
                    }
                    // Positions only move forward.
                    for (before, after) in zip(positions, positions.dropFirst()) {
                        #expect(before.offsets.allSatisfy { after.offsets[$0.key, default: 0] >= $0.value })
                    }
                    slot.release()
                    return ids
                }
            }
            group.addTask {
                try await produce(200..<400)
                return []
            }
            var all: [[String]] = []
            for try await ids in group where !ids.isEmpty { all.append(ids) }
            return all
        }
        #expect(results.count == 3)
        for ids in results {
            // Per partition order is what the log promises; across partitions any interleaving.
            #expect(ids.count == expected.count)
            #expect(Set(ids) == Set(expected), "missing: \(Set(expected).subtracting(ids).sorted().prefix(5))")
            for key in 0..<7 {
                let ofKey = ids.filter { Int($0.dropFirst())! % 7 == key }
                #expect(ofKey == ofKey.sorted { Int($0.dropFirst())! < Int($1.dropFirst())! }, "key k\(key) out of order")
            }
        }
        #expect(hub.feedCount == 1)
        #expect(hub.openStreams == 0)
        running.cancel()
        _ = try? await running.value
        try await log.shutdown()
    }

    @Test("admission counts streams per credential, per tenant and per instance")
    func admissionLimits() throws {
        var limits = StreamLimits()
        limits.perCredential = 2
        limits.perTenant = 3
        limits.perInstance = 4
        var counts = StreamCounts()
        #expect(counts.admit(credential: "a", tenant: "acme", limits: limits) == nil)
        #expect(counts.admit(credential: "a", tenant: "acme", limits: limits) == nil)
        #expect(counts.admit(credential: "a", tenant: "acme", limits: limits)?.contains("credential") == true)
        #expect(counts.admit(credential: "b", tenant: "acme", limits: limits) == nil)
        #expect(counts.admit(credential: "c", tenant: "acme", limits: limits)?.contains("tenant 'acme'") == true)
        #expect(counts.admit(credential: "d", tenant: "globex", limits: limits) == nil)
        #expect(counts.admit(credential: "e", tenant: "initech", limits: limits)?.contains("instance") == true)
        counts.release(credential: "a", tenant: "acme")
        #expect(counts.admit(credential: "e", tenant: "initech", limits: limits) == nil)
        #expect(counts.total == 4)
    }
}
