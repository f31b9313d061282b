import Foundation
import KeelCore
import KeelLog
import KeelLogEmbedded
import KeelTestSupport
import Logging
import Testing

@Suite("Embedded log: storage")
struct EmbeddedStorageTests {
    @Test("keys are partitioned exactly as Kafka's murmur2 partitioner")
    func partitionerAgreement() async throws {
        // Kafka's own UtilsTest vectors for Utils.murmur2.
        let vectors: [(String, Int32)] = [
            ("21", -973_932_308), ("foobar", -790_332_482), ("a-little-bit-long-string", -985_981_536),
            ("a-little-bit-longer-string", -1_486_304_829), ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58_897_971),
            ("abc", 479_470_107),
        ]
        for (key, hash) in vectors { #expect(KafkaPartitioner.murmur2(bytes(key)) == hash, "murmur2(\(key))") }
        try await withEmbeddedLog { log, _ in
            #expect(try await log.createTopic(TopicSpec(name: "keys", partitions: 7)))
            let keys = (0..<200).map { bytes("key-\($0)") }
            let coordinates = try await log.produce(keys.map { OutgoingRecord(key: $0, value: $0) }, to: "keys")
            for (key, coordinate) in zip(keys, coordinates) {
                #expect(coordinate.partition == KafkaPartitioner.partition(forKey: key, partitions: 7))
            }
            // An explicit partition wins over the key; a bad one is refused.
            let pinned = try await log.produce(OutgoingRecord(key: bytes("key-1"), value: nil, partition: 6), to: "keys")
            #expect(pinned.partition == 6)
            _ = await expectCode(.unknownPartition) { _ = try await log.produce(OutgoingRecord(key: nil, value: nil, partition: 7), to: "keys") }
            _ = await expectCode(.unknownTopic) { _ = try await log.produce(OutgoingRecord(key: nil, value: nil), to: "missing") }
            #expect(try await log.describeTopic("missing") == nil)
        }
    }

    @Test("keys, values and headers round-trip byte-exact, 5 MB values and nil vs empty included")
    func byteExact() async throws {
        try await withEmbeddedLog { log, _ in
            _ = try await log.createTopic(TopicSpec(name: "bytes", partitions: 1))
            let all = (0...255).map { UInt8($0) }
            let big = (0..<(5 * 1024 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 3) }
            let headers = [
                RecordHeader(name: "a", value: nil), RecordHeader(name: "a", value: []), RecordHeader(name: "", value: all),
                RecordHeader(name: "ünï", text: "✓"),
            ]
            let sent = [
                OutgoingRecord(key: nil, value: nil),
                OutgoingRecord(key: [], value: []),
                OutgoingRecord(key: all, value: all, headers: headers, timestampMs: 42),
                OutgoingRecord(key: [0], value: big, headers: [RecordHeader(name: "big", value: big)]),
                OutgoingRecord(key: nil, value: [0, 0, 0], headers: []),
            ]
            let coordinates = try await log.produce(sent, to: "bytes")
            #expect(coordinates.map(\.offset) == [0, 1, 2, 3, 4])
            #expect(coordinates[2].timestampMs == 42)
            let received = try await readAll(log, "bytes", partitions: 1, count: sent.count)
            try #require(received.count == sent.count)
            for (out, back) in zip(sent, received) {
                #expect(back.key == out.key)
                #expect(back.value == out.value)
                #expect(back.headers == out.headers)
            }
        }
    }

    @Test("records and offsets survive shutdown and reopen; offsets continue")
    func durableAcrossReopen() async throws {
        let directory = try TemporaryDirectory(prefix: "keel-embedded")
        defer { directory.remove() }
        let first = try await EmbeddedEventLog(directory: directory.path, logger: quietLogger())
        _ = try await first.createTopic(TopicSpec(name: "durable", partitions: 2, config: ["retention.ms": "-1", "x.custom": "kept"]))
        _ = try await first.produce((0..<100).map { OutgoingRecord(key: bytes("k\($0)"), value: bytes("v\($0)")) }, to: "durable")
        let consumer = try await first.makeConsumer(.init(subscription: .partitions([TopicPartition("durable", 0)], commitGroup: "g")))
        try await consumer.commit([PartitionOffset(TopicPartition("durable", 0), 7)])
        try await first.shutdown()
        try await first.shutdown()  // idempotent
        _ = await expectCode(.closed) { _ = try await first.listTopics() }
        _ = await expectCode(.closed) { try await consumer.commit([]) }

        let second = try await EmbeddedEventLog(directory: directory.path, logger: quietLogger())
        let description = try #require(try await second.describeTopic("durable"))
        #expect(description.partitions == 2)
        #expect(description.config == ["retention.ms": "-1", "x.custom": "kept"])
        let records = try await readAll(second, "durable", partitions: 2, count: 100)
        #expect(Set(records.compactMap(\.value)) == Set((0..<100).map { bytes("v\($0)") }))
        let ends = try await second.offsets(topic: "durable", atTimestampMs: .max)
        let more = try await second.produce((0..<2).map { OutgoingRecord(key: nil, value: bytes("more"), partition: $0) }, to: "durable")
        #expect(more.map(\.offset) == [ends[0]!, ends[1]!])
        let resumed = try await second.makeConsumer(.init(subscription: .partitions([TopicPartition("durable", 0)], commitGroup: "g")))
        #expect(try await resumed.committed([TopicPartition("durable", 0)]) == [TopicPartition("durable", 0): 7])
        try await resumed.close()
        try await second.shutdown()

        // With no writer running, a read-only instance still reads everything.
        let reader = try await EmbeddedEventLog(directory: directory.path, options: .init(mode: .readOnly), logger: quietLogger())
        #expect(try await readAll(reader, "durable", partitions: 2, count: 102).count == 102)
        try await reader.shutdown()
    }

    @Test("retention removes old records, compaction keeps the latest per key, offsets are never reused")
    func retentionAndCompaction() async throws {
        try await withEmbeddedLog(options: .init(retentionInterval: nil)) { log, _ in
            let now: Int64 = 1_800_000_000_000
            _ = try await log.createTopic(TopicSpec(name: "short", partitions: 1, config: ["retention.ms": "60000"]))
            let old = (0..<5000).map { OutgoingRecord(key: nil, value: bytes("old\($0)"), timestampMs: now - 120_000 + Int64($0)) }
            let fresh = (0..<10).map { OutgoingRecord(key: nil, value: bytes("new\($0)"), timestampMs: now - 1000) }
            _ = try await log.produce(old + fresh, to: "short")
            #expect(try await log.enforceRetention(nowMs: now) == 5000)
            #expect(try await log.enforceRetention(nowMs: now) == 0)
            let kept = try await readAll(log, "short", partitions: 1, count: 10)
            #expect(kept.map(\.offset) == Array(5000..<5010))
            let next = try await log.produce(OutgoingRecord(key: nil, value: bytes("after")), to: "short")
            #expect(next.offset == 5010)
            // Everything expires: still no reuse.
            #expect(try await log.enforceRetention(nowMs: now + 10_000_000) == 11)
            #expect(try await log.produce(OutgoingRecord(key: nil, value: bytes("again"), timestampMs: now + 10_000_000), to: "short").offset == 5011)

            _ = try await log.createTopic(
                TopicSpec(name: "table", partitions: 1, config: ["cleanup.policy": "compact", "delete.retention.ms": "1000"]))
            _ = try await log.produce(
                [
                    OutgoingRecord(key: bytes("a"), value: bytes("a1"), timestampMs: now),
                    OutgoingRecord(key: bytes("b"), value: bytes("b1"), timestampMs: now),
                    OutgoingRecord(key: bytes("a"), value: bytes("a2"), timestampMs: now),
                    OutgoingRecord(key: bytes("b"), value: nil, timestampMs: now),  // tombstone
                    OutgoingRecord(key: bytes("c"), value: bytes("c1"), timestampMs: now),
                ], to: "table")
            _ = await expectCode(.invalidArgument) { _ = try await log.produce(OutgoingRecord(key: nil, value: bytes("x")), to: "table") }
            #expect(try await log.enforceRetention(nowMs: now) == 2)  // a1, b1
            var table = try await readAll(log, "table", partitions: 1, count: 3)
            #expect(table.map(\.offset) == [2, 3, 4])
            #expect(try await log.enforceRetention(nowMs: now + 5000) == 1)  // the tombstone, once old enough
            table = try await readAll(log, "table", partitions: 1, count: 2)
            #expect(table.map(\.value) == [bytes("a2"), bytes("c1")])
            #expect(try await log.produce(OutgoingRecord(key: bytes("d"), value: bytes("d1")), to: "table").offset == 5)
        }
    }

    @Test("seek by time uses the sparse time index, also for out-of-order timestamps")
    func seekByTime() async throws {
        try await withEmbeddedLog { log, _ in
            _ = try await log.createTopic(TopicSpec(name: "time", partitions: 1))
            let base: Int64 = 1_700_000_000_000
            // 20,000 records, 10 ms apart: several time-index chunks.
            for chunk in 0..<4 {
                _ = try await log.produce(
                    (0..<5000).map { i in
                        OutgoingRecord(key: nil, value: nil, timestampMs: base + Int64(chunk * 5000 + i) * 10)
                    }, to: "time")
            }
            for probe in [0, 1, 4095, 4096, 4097, 12_345, 19_999] {
                #expect(try await log.offsets(topic: "time", atTimestampMs: base + Int64(probe) * 10)[0] == Int64(probe))
                #expect(try await log.offsets(topic: "time", atTimestampMs: base + Int64(probe) * 10 - 5)[0] == Int64(probe))
            }
            #expect(try await log.offsets(topic: "time", atTimestampMs: base + 10_000_000)[0] == 20_000)
            // Out of order: the first record (in offset order) at or after the instant.
            _ = try await log.produce([50, 10, 90, 70].map { OutgoingRecord(key: nil, value: nil, timestampMs: base + 300_000 + $0) }, to: "time")
            #expect(try await log.offsets(topic: "time", atTimestampMs: base + 300_060)[0] == 20_002)
            #expect(try await log.offsets(topic: "time", atTimestampMs: base + 300_020)[0] == 20_000)
            let consumer = try await log.makeConsumer(
                .init(subscription: .partitions([TopicPartition("time", 0)]), start: .timestampMs(base + 300_075)))
            let records = try await collect(from: consumer, count: 2)
            #expect(records.map(\.offset) == [20_002, 20_003])
            try await consumer.close()
        }
    }

    @Test("topic admin validates names, partitions and configs")
    func admin() async throws {
        try await withEmbeddedLog { log, _ in
            _ = await expectCode(.invalidArgument) { _ = try await log.createTopic(TopicSpec(name: "bad name", partitions: 1)) }
            _ = await expectCode(.invalidArgument) {
                _ = try await log.createTopic(TopicSpec(name: String(repeating: "x", count: 250), partitions: 1))
            }
            _ = await expectCode(.invalidArgument) { _ = try await log.createTopic(TopicSpec(name: "zero", partitions: 0)) }
            _ = await expectCode(.invalidArgument) {
                _ = try await log.createTopic(TopicSpec(name: "p", partitions: 1, config: ["cleanup.policy": "shred"]))
            }
            #expect(try await log.createTopic(TopicSpec(name: "b.topic_1-x", partitions: 3)))
            #expect(try await log.createTopic(TopicSpec(name: "a", partitions: 1)))
            #expect(try await log.listTopics() == ["a", "b.topic_1-x"])
            _ = try await log.produce(OutgoingRecord(key: nil, value: bytes("1")), to: "a")
            #expect(try await log.deleteTopic("a"))
            #expect(try await log.createTopic(TopicSpec(name: "a", partitions: 2)))
            #expect(try await log.offsets(topic: "a", atTimestampMs: 0) == [0: 0, 1: 0])  // a new topic, a new log
            _ = await expectCode(.unknownTopic) { _ = try await log.offsets(topic: "nope", atTimestampMs: 0) }
        }
    }
}

@Suite("Embedded log: processes and paths")
struct EmbeddedProcessTests {
    @Test("a second writer is refused with .locked naming the holder's pid; the lock is released on shutdown")
    func writerLock() async throws {
        try await withEmbeddedLog { log, path in
            let error = await expectCode(.locked) { _ = try await EmbeddedEventLog(directory: path, logger: quietLogger()) }
            #expect(error?.message.contains("pid \(getpid())") == true, "\(String(describing: error))")
            #expect(error?.message.contains(path) == true)
            try await log.shutdown()
            let again = try await EmbeddedEventLog(directory: path, logger: quietLogger())
            try await again.shutdown()
        }
    }

    @Test("a path that is a file, a corrupt database and a missing directory fail clearly")
    func badPaths() async throws {
        let directory = try TemporaryDirectory(prefix: "keel-embedded")
        defer { directory.remove() }
        let file = "\(directory.path)/plain-file"
        _ = FileManager.default.createFile(atPath: file, contents: Data("hello".utf8))
        let notDirectory = await expectCode(.invalidArgument) { _ = try await EmbeddedEventLog(directory: file, logger: quietLogger()) }
        #expect(notDirectory?.message.contains(file) == true)
        #expect(notDirectory?.message.contains("not a directory") == true)

        let corrupt = "\(directory.path)/corrupt"
        try FileManager.default.createDirectory(atPath: corrupt, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: "\(corrupt)/log.db", contents: Data(repeating: 0x5a, count: 8192))
        let corruptError = await expectCode(.invalidArgument) { _ = try await EmbeddedEventLog(directory: corrupt, logger: quietLogger()) }
        #expect(corruptError?.message.contains(corrupt) == true, "\(String(describing: corruptError))")
        #expect(corruptError?.message.contains("not a database") == true, "\(String(describing: corruptError))")
        // The failed writer released its lock.
        _ = FileManager.default.createFile(atPath: "\(corrupt)/log.db", contents: Data())
        let recovered = try await EmbeddedEventLog(directory: corrupt, logger: quietLogger())
        try await recovered.shutdown()

        let missing = "\(directory.path)/missing"
        let missingError = await expectCode(.unreachable) {
            _ = try await EmbeddedEventLog(directory: missing, options: .init(mode: .readOnly), logger: quietLogger())
        }
        #expect(missingError?.message.contains(missing) == true)
    }

    @Test("a read-only instance tails the writer live, woken by inotify, and refuses writes")
    func readOnlyTail() async throws {
        try await withEmbeddedLog { writer, path in
            _ = try await writer.createTopic(TopicSpec(name: "tail", partitions: 2))
            _ = try await writer.produce((0..<10).map { OutgoingRecord(key: bytes("k\($0)"), value: bytes("backlog")) }, to: "tail")
            let reader = try await EmbeddedEventLog(directory: path, options: .init(mode: .readOnly), logger: quietLogger())
            #expect(try await reader.describeTopic("tail")?.partitions == 2)
            _ = await expectCode(.invalidArgument) { _ = try await reader.produce(OutgoingRecord(key: nil, value: nil), to: "tail") }
            _ = await expectCode(.invalidArgument) { _ = try await reader.createTopic(TopicSpec(name: "x", partitions: 1)) }
            _ = await expectCode(.invalidArgument) { _ = try await reader.deleteTopic("tail") }
            let consumer = try await reader.makeConsumer(
                .init(
                    subscription: .partitions([TopicPartition("tail", 0), TopicPartition("tail", 1)], commitGroup: "ro"), start: .earliest))
            _ = await expectCode(.invalidArgument) { try await consumer.commit([PartitionOffset(TopicPartition("tail", 0), 1)]) }
            #expect(try await collect(from: consumer, count: 10).count == 10)
            #expect(try await consumer.poll(timeout: .milliseconds(10)) == nil, "caught up: nothing left to read")

            // One long poll, no retries, and the produce only once it waits: only a wake-up
            // (inotify) can end it with records. Its own timeout is an hour, so the deadline tells
            // a wake-up from a timeout however slow the machine.
            let live = Task { try await consumer.poll(timeout: .seconds(3600)) }
            try await waitUntilAPollWaits(on: reader)
            _ = try await writer.produce(OutgoingRecord(key: nil, value: bytes("live"), partition: 1), to: "tail")
            let event = try await withDeadline(.seconds(60), "the waiting poll woken by inotify") { try await live.value }
            guard case .records(let records) = event else { Issue.record("no live records: \(String(describing: event))"); return }
            #expect(records.map(\.value) == [bytes("live")])
            try await consumer.close()
            try await reader.shutdown()
            // The read-only instance never took the lock: the writer is still the writer.
            _ = try await writer.produce(OutgoingRecord(key: nil, value: nil), to: "tail")
        }
    }
}

@Suite("Embedded log: consumers")
struct EmbeddedConsumerTests {
    @Test("group members split partitions; revocation precedes the hand-over; leave gives them back")
    func groupRebalance() async throws {
        try await withEmbeddedLog { log, _ in
            _ = try await log.createTopic(TopicSpec(name: "work", partitions: 4))
            let all = (0..<4).map { TopicPartition("work", $0) }
            let one = try await log.makeConsumer(.init(subscription: .group(id: "g", topics: ["work"])))
            #expect(try await one.poll(timeout: .seconds(5)) == .assigned(all))

            let two = try await log.makeConsumer(.init(subscription: .group(id: "g", topics: ["work"])))
            // Not handed over before `one` acknowledged the revocation.
            #expect(try await two.poll(timeout: .milliseconds(100)) == nil)
            #expect(try await one.poll(timeout: .seconds(5)) == .revoked([all[2], all[3]]))
            #expect(try await two.poll(timeout: .milliseconds(100)) == nil)
            #expect(try await one.poll(timeout: .milliseconds(50)) == nil)  // acknowledges
            #expect(try await two.poll(timeout: .seconds(5)) == .assigned([all[2], all[3]]))
            #expect(try await one.assignment() == [all[0], all[1]])
            #expect(try await two.assignment() == [all[2], all[3]])

            _ = try await log.produce((0..<40).map { OutgoingRecord(key: bytes("k\($0)"), value: bytes("\($0)")) }, to: "work")
            async let a = collect(from: one, count: 40, timeout: .seconds(2))
            async let b = collect(from: two, count: 40, timeout: .seconds(2))
            let (fromOne, fromTwo) = try await (a, b)
            #expect(fromOne.count + fromTwo.count == 40)
            #expect(Set(fromOne.map(\.partition)).isSubset(of: [0, 1]))
            #expect(Set(fromTwo.map(\.partition)).isSubset(of: [2, 3]))

            try await two.close()
            try await two.close()  // idempotent
            _ = await expectCode(.closed) { _ = try await two.poll(timeout: .milliseconds(10)) }
            #expect(try await one.poll(timeout: .seconds(5)) == .assigned([all[2], all[3]]))
            #expect(try await one.assignment() == all)
            try await one.close()
        }
    }

    @Test("commit is durable and a new group member resumes from it; seek moves the position")
    func commitResumeSeek() async throws {
        try await withEmbeddedLog { log, _ in
            _ = try await log.createTopic(TopicSpec(name: "jobs", partitions: 1))
            _ = try await log.produce((0..<50).map { OutgoingRecord(key: nil, value: bytes("\($0)")) }, to: "jobs")
            let tp = TopicPartition("jobs", 0)
            let first = try await log.makeConsumer(.init(subscription: .group(id: "workers", topics: ["jobs"]), maxBatchSize: 10))
            #expect(try await first.poll(timeout: .seconds(5)) == .assigned([tp]))
            guard case .records(let batch) = try await first.poll(timeout: .seconds(5)) else { Issue.record("no records"); return }
            #expect(batch.map(\.offset) == Array(0..<10))
            try await first.commit([PartitionOffset(tp, 10)])
            #expect(try await first.committed([tp]) == [tp: 10])
            try await first.seek(tp, to: .offset(45))
            #expect(try await collect(from: first, count: 5).map(\.offset) == Array(45..<50))
            _ = await expectCode(.invalidArgument) { try await first.seek(TopicPartition("jobs", 3), to: .earliest) }
            try await first.close()

            let second = try await log.makeConsumer(
                .init(subscription: .group(id: "workers", topics: ["jobs"]), start: .committed(fallback: .latest)))
            #expect(try await second.poll(timeout: .seconds(5)) == .assigned([tp]))
            #expect(try await collect(from: second, count: 40).map(\.offset) == Array(10..<50))
            try await second.close()

            // No commit in this group: the fallback applies.
            let fresh = try await log.makeConsumer(.init(subscription: .partitions([tp], commitGroup: "other"), start: .committed(fallback: .latest)))
            #expect(try await fresh.poll(timeout: .seconds(5)) == .assigned([tp]))
            #expect(try await fresh.poll(timeout: .milliseconds(100)) == nil)
            _ = try await log.produce(OutgoingRecord(key: nil, value: bytes("50")), to: "jobs")
            #expect(try await collect(from: fresh, count: 1).map(\.offset) == [50])
            try await fresh.close()
        }
    }

    @Test("a waiting poll returns promptly on cancellation and throws .closed on close")
    func cancellationAndClose() async throws {
        try await withEmbeddedLog { log, _ in
            _ = try await log.createTopic(TopicSpec(name: "idle", partitions: 1))
            let consumer = try await log.makeConsumer(.init(subscription: .partitions([TopicPartition("idle", 0)])))
            #expect(try await consumer.poll(timeout: .seconds(1)) == .assigned([TopicPartition("idle", 0)]))
            let started = ContinuousClock.now
            let cancelled = try await withThrowingTaskGroup(of: ConsumerEvent?.self) { group in
                group.addTask { try await consumer.poll(timeout: .seconds(120)) }
                // Cancelled while it waits, not before it started (that path returns at once too).
                try await waitUntilAPollWaits(on: log)
                group.cancelAll()
                return try await group.next()!
            }
            #expect(cancelled == nil)
            // Not a latency figure: the poll's own timeout is 120 s, and the bound only tells a
            // cancellation that ended it from one that did not.
            #expect(ContinuousClock.now - started < .seconds(100))

            async let pending: ConsumerEvent? = consumer.poll(timeout: .seconds(120))
            try await waitUntilAPollWaits(on: log)
            try await consumer.close()
            do {
                _ = try await pending
                Issue.record("a poll pending at close must throw .closed")
            } catch let error as EventLogError {
                #expect(error.code == .closed)
            }
        }
    }

    @Test("the live tail is woken by the writer, one long poll in flight")
    func inProcessWake() async throws {
        try await withEmbeddedLog { log, _ in
            _ = try await log.createTopic(TopicSpec(name: "wake", partitions: 3))
            let consumer = try await log.makeConsumer(.init(subscription: .partitions((0..<3).map { TopicPartition("wake", $0) }), start: .latest))
            #expect(try await consumer.poll(timeout: .seconds(5)) == .assigned((0..<3).map { TopicPartition("wake", $0) }))
            // Produced only once the poll waits, whose own timeout is an hour: only the writer's
            // wake-up can end it within the deadline.
            let live = Task { try await consumer.poll(timeout: .seconds(3600)) }
            try await waitUntilAPollWaits(on: log)
            _ = try await log.produce(OutgoingRecord(key: bytes("x"), value: bytes("now")), to: "wake")
            let event = try await withDeadline(.seconds(60), "the waiting poll woken by the writer") { try await live.value }
            guard case .records(let records) = event else { Issue.record("not woken with records: \(String(describing: event))"); return }
            #expect(records.map(\.value) == [bytes("now")])
            try await consumer.close()
        }
    }
}
