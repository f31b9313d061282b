import Foundation
import KeelCore
import KeelTestSupport
import Testing

@Suite("keel produce and tail", .serialized)
struct ProduceTailCommandTests {
    @Test("produced events come back from tail, byte for byte the same CloudEvents", arguments: CLILog.allCases)
    func roundTrip(kind: CLILog) async throws {
        guard let (keel, cleanup) = try keelRunner(kind) else { return }
        defer { cleanup() }
        #expect(try await keel.run(["topics", "apply"]).status == 0)
        let key = uniqueName("rt")
        let lines = (0..<20).map { i in
            #"{"type":"com.example.cli.test","key":"\#(key)","data":{"n":\#(i),"text":"héllo ✓"}}"#
        }
        let produced = try await keel.run(["produce", "keel.external"], stdin: lines.joined(separator: "\n") + "\n")
        #expect(produced.status == 0, "\(produced.stderr)")
        let acks = try parseLines(produced.stdout)
        #expect(acks.count == 20)
        #expect(acks.allSatisfy { $0["topic"] == .string("keel.external") && $0["offset"]?.intValue != nil && $0["id"]?.stringValue != nil })
        #expect(Set(acks.compactMap { $0["partition"]?.intValue }).count == 1, "one key, one partition")

        let tailed = try await keel.run(["tail", "keel.external", "--from", "earliest", "--key", key, "--limit", "20"], timeout: .seconds(60))
        #expect(tailed.status == 0, "\(tailed.stderr)")
        let events = try parseLines(tailed.stdout)
        #expect(events.count == 20)
        #expect(events.map { $0["id"] } == acks.map { $0["id"] })
        #expect(events.map { $0["data"]?["n"]?.intValue } == (0..<20).map { Int64($0) })
        #expect(events.allSatisfy { $0["specversion"] == .string("1.0") && $0["partitionkey"] == .string(key) })
    }

    @Test("on a fresh embedded directory the catalog's topics exist from the first open: produce works without topics apply")
    func freshEmbeddedDirectoryNeedsNoApply() async throws {
        guard let (keel, cleanup) = try keelRunner(.embedded) else { return }
        defer { cleanup() }
        let produced = try await keel.run(
            ["produce", "keel.external"], stdin: #"{"type":"com.example.fresh.start","key":"k","data":{"n":1}}"# + "\n")
        #expect(produced.status == 0, "\(produced.stderr)")
        #expect(try parseLines(produced.stdout).first?["topic"] == .string("keel.external"))
        let described = try await keel.run(["topics", "apply", "--format", "json"])
        let actions = try JSONValue.parse(described.stdout)["topics"]?.arrayValue?.compactMap { $0["action"]?.stringValue } ?? []
        #expect(!actions.isEmpty && actions.allSatisfy { $0 == "unchanged" }, "every catalog topic exists already: \(described.stdout)")
    }

    @Test("both logs give the same partitions and the same tail output for the same events")
    func sameResultsOnBothLogs() async throws {
        guard let (embedded, cleanupEmbedded) = try keelRunner(.embedded) else { return }
        defer { cleanupEmbedded() }
        guard let (kafka, cleanupKafka) = try keelRunner(.kafka) else { return }
        defer { cleanupKafka() }
        let key = uniqueName("same")
        let lines = (0..<5).map { i in
            #"{"specversion":"1.0","id":"\#(key)-\#(i)","source":"urn:test","type":"com.example.same","time":"2026-11-21T07:00:0\#(i).000Z","partitionkey":"\#(key)","datacontenttype":"application/json","data":{"i":\#(i)}}"#
        }.joined(separator: "\n")
        var outputs: [String] = []
        var partitions: [Set<Int64>] = []
        for keel in [embedded, kafka] {
            #expect(try await keel.run(["topics", "apply"]).status == 0)
            let produced = try await keel.run(["produce", "keel.external"], stdin: lines)
            #expect(produced.status == 0, "\(produced.stderr)")
            partitions.append(Set(try parseLines(produced.stdout).compactMap { $0["partition"]?.intValue }))
            outputs.append(try await keel.run(["tail", "keel.external", "--from", "earliest", "--key", key, "--limit", "5"]).stdout)
        }
        #expect(partitions[0] == partitions[1], "murmur2 must place the key identically")
        #expect(outputs[0] == outputs[1])
        #expect(outputs[0].split(separator: "\n").count == 5)
    }

    @Test("bad lines are reported with their line number and never reach the topic", arguments: CLILog.allCases)
    func badInputContinues(kind: CLILog) async throws {
        guard let (keel, cleanup) = try keelRunner(kind) else { return }
        defer { cleanup() }
        #expect(try await keel.run(["topics", "apply"]).status == 0)
        let key = uniqueName("bad")
        let input = [
            #"{"type":"com.example.ok","key":"\#(key)","data":{"n":1}}"#,
            #"{"type":"com.example.ok","key":"\#(key)","data":{"n":2"#,  // 2: truncated JSON
            #"{"key":"\#(key)","data":{}}"#,  // 3: no type
            #"{"specversion":"0.3","id":"x","source":"s","type":"t","partitionkey":"\#(key)"}"#,  // 4: wrong specversion
            #"{"type":"com.example.ok","key":"\#(key)","dta":{}}"#,  // 5: unknown field
            #"{"type":"com.example.ok","key":"\#(key)","data":{"n":6}}"#,
        ].joined(separator: "\n")
        let result = try await keel.run(["produce", "keel.external"], stdin: input)
        #expect(result.status == 2)
        for line in 2...5 { #expect(result.stderr.contains("line \(line):"), "stderr: \(result.stderr)") }
        #expect(result.stderr.contains("specversion"))
        let acks = try parseLines(result.stdout)
        #expect(acks.count == 2)
        let tailed = try await keel.run(["tail", "keel.external", "--from", "earliest", "--key", key, "--limit", "2"])
        #expect(try parseLines(tailed.stdout).compactMap { $0["data"]?["n"]?.intValue } == [1, 6])
    }

    @Test("--on-error stop produces nothing from the bad line onward")
    func stopOnError() async throws {
        guard let (keel, cleanup) = try keelRunner(.embedded) else { return }
        defer { cleanup() }
        #expect(try await keel.run(["topics", "apply"]).status == 0)
        let input = [
            #"{"type":"com.example.ok","key":"k","data":{"n":1}}"#,
            "not json",
            #"{"type":"com.example.ok","key":"k","data":{"n":3}}"#,
        ].joined(separator: "\n")
        let result = try await keel.run(["produce", "keel.external", "--on-error", "stop"], stdin: input)
        #expect(result.status == 2)
        #expect(result.stderr.contains("line 2:"))
        #expect(try parseLines(result.stdout).count == 1)
    }

    @Test("registered types are validated against their schema and their home topic")
    func catalogValidation() async throws {
        guard let (keel, cleanup) = try keelRunner(.embedded) else { return }
        defer { cleanup() }
        #expect(try await keel.run(["topics", "apply"]).status == 0)
        // A type the catalog does not know, on a topic that is not the open ingest topic.
        let unknownType = try await keel.run(
            ["produce", "keel.workflow.runs"], stdin: #"{"type":"com.example.unknown","key":"r1","data":{}}"# + "\n")
        #expect(unknownType.status == 2)
        #expect(unknownType.stderr.contains("line 1:"))
        // A registered type whose data fails its schema (missing required fields).
        let badData = try await keel.run(
            ["produce", "keel.workflow.runs"], stdin: #"{"type":"keel.workflow.run.started","key":"r1","data":{}}"# + "\n")
        #expect(badData.status == 2)
        #expect(badData.stderr.contains("data"))
        // A registered type sent to the open ingest topic is still validated.
        let viaExternal = try await keel.run(
            ["produce", "keel.external"], stdin: #"{"type":"keel.workflow.run.started","key":"r1","data":{"bogus":true}}"# + "\n")
        #expect(viaExternal.status == 2)
        // An unknown topic is a usage error before anything is read.
        let unknownTopic = try await keel.run(["produce", "keel.nope"], stdin: "{}\n")
        #expect(unknownTopic.status == 2)
        #expect(unknownTopic.stderr.contains("unknown topic"))
    }

    @Test("tail filters by type and follows live, beside the writing process")
    func tailFollowsLiveBesideWriter() async throws {
        guard let (keel, cleanup) = try keelRunner(.embedded) else { return }
        defer { cleanup() }
        #expect(try await keel.run(["topics", "apply"]).status == 0)
        let tail = try keel.start(["tail", "keel.external", "--from", "earliest", "--type", "com.example.wanted", "--limit", "2"])
        // A writer process holds the log open while the tail follows it.
        let writer = try keel.start(["produce", "keel.external"])
        writer.send(#"{"type":"com.example.other","key":"a","data":{}}"# + "\n")
        writer.send(#"{"type":"com.example.wanted","key":"a","data":{"n":1}}"# + "\n")
        #expect(await writer.waitForOutput(timeout: .seconds(20)) { $0.split(separator: "\n").count == 2 })
        #expect(await tail.waitForOutput(timeout: .seconds(20)) { $0.split(separator: "\n").count == 1 })
        writer.send(#"{"type":"com.example.wanted","key":"b","data":{"n":2}}"# + "\n")
        try writer.input.fileHandleForWriting.close()
        let writerResult = await writer.wait(timeout: .seconds(20))
        #expect(writerResult.status == 0, "\(writerResult.stderr)")
        let tailResult = await tail.wait(timeout: .seconds(20))
        #expect(tailResult.status == 0, "\(tailResult.stderr)")
        let events = try parseLines(tailResult.stdout)
        #expect(events.compactMap { $0["data"]?["n"]?.intValue } == [1, 2])
    }

    @Test("a second writer on the same embedded directory gets a clear error")
    func lockedDirectory() async throws {
        guard let (keel, cleanup) = try keelRunner(.embedded) else { return }
        defer { cleanup() }
        #expect(try await keel.run(["topics", "apply"]).status == 0)
        let holder = try keel.start(["produce", "keel.external"])
        holder.send(#"{"type":"com.example.x","key":"a","data":{}}"# + "\n")
        #expect(await holder.waitForOutput(timeout: .seconds(20)) { !$0.isEmpty })
        let second = try await keel.run(["produce", "keel.external"], stdin: #"{"type":"com.example.x","key":"a","data":{}}"# + "\n")
        #expect(second.status == 1)
        #expect(second.stderr.contains("locked"), "\(second.stderr)")
        try holder.input.fileHandleForWriting.close()
        #expect(await holder.wait(timeout: .seconds(20)).status == 0)
    }

    @Test("an unreachable broker fails within the connect timeout with a clear message")
    func unreachableBroker() async throws {
        let keel = KeelProcess(log: "kafka:127.0.0.1:9")
        let started = ContinuousClock.now
        let result = try await keel.run(["topics", "apply", "--connect-timeout", "2"], timeout: .seconds(30))
        #expect(result.status == 1)
        #expect(ContinuousClock.now - started < .seconds(20))
        #expect(result.stderr.contains("127.0.0.1:9"), "\(result.stderr)")
    }

    @Test("usage errors exit 2")
    func usageErrors() async throws {
        let keel = KeelProcess(log: "embedded:/tmp/keel-unused")
        #expect(try await keel.run(["tail", "keel.external", "--from", "yesterday"]).status == 2)
        #expect(try await keel.run(["produce"]).status == 2)
        #expect(try await keel.run(["topics", "list", "--log", "nonsense"]).status == 2)
        #expect(try await keel.run(["--version-nope"]).status == 2)
    }
}
