import Foundation
import KeelCore
import KeelTestSupport
import Testing

@Suite("keel topics", .serialized)
struct TopicsCommandTests {
    @Test("validate accepts the repository's catalog")
    func validateCatalog() async throws {
        let keel = KeelProcess(log: "embedded:/nonexistent")
        let result = try await keel.run(["topics", "validate", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try JSONValue.parse(result.stdout)
        #expect(json["valid"] == .bool(true))
        #expect((json["topics"]?.intValue ?? 0) >= 15)
    }

    @Test("validate rejects a broken catalog with exit 2 and names the problem")
    func validateBrokenCatalog() async throws {
        let directory = try TemporaryDirectory(prefix: "keel-bad-catalog")
        defer { directory.remove() }
        try Data(#"{"name": "keel.broken", "partitions": "three"}"#.utf8)
            .write(to: URL(fileURLWithPath: directory.path).appendingPathComponent("keel.broken.json"))
        let keel = KeelProcess(log: "embedded:/nonexistent", extraEnvironment: ["KEEL_TOPICS": directory.path])
        let result = try await keel.run(["topics", "validate"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("keel.broken.json"))
    }

    @Test("list shows every catalog topic, as text and as JSON")
    func listTopics() async throws {
        let keel = KeelProcess(log: "embedded:/nonexistent")
        let json = try await keel.run(["topics", "list", "--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let names = try JSONValue.parse(json.stdout).arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        #expect(names.contains("keel.external"))
        #expect(names.contains("keel.workflow.runs"))
        #expect(names.allSatisfy { $0.hasPrefix("keel.") })
        let text = try await keel.run(["topics", "list"])
        #expect(text.stdout.contains("keel.assistant.tokens"))
    }

    @Test("describe shows a topic's types and versions; an unknown topic is a usage error")
    func describeTopic() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let keel = KeelProcess(log: "embedded:\(directory.path)/log")
        let result = try await keel.run(["topics", "describe", "keel.workflow.runs", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try JSONValue.parse(result.stdout)
        #expect(json["name"] == .string("keel.workflow.runs"))
        #expect((json["eventTypes"]?.arrayValue ?? []).isEmpty == false)
        let unknown = try await keel.run(["topics", "describe", "keel.nope"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("unknown topic 'keel.nope'"))
    }

    @Test("apply creates every missing topic, then is idempotent", arguments: CLILog.allCases)
    func applyIsIdempotent(kind: CLILog) async throws {
        guard let (keel, cleanup) = try keelRunner(kind) else { return }
        defer { cleanup() }
        let first = try await keel.run(["topics", "apply", "--format", "json"])
        #expect(first.status == 0, "\(first.stderr)")
        let second = try await keel.run(["topics", "apply", "--format", "json"])
        #expect(second.status == 0, "\(second.stderr)")
        let actions = try JSONValue.parse(second.stdout)["topics"]?.arrayValue?.compactMap { $0["action"]?.stringValue } ?? []
        #expect(!actions.isEmpty)
        #expect(actions.allSatisfy { $0 == "unchanged" }, "second apply: \(second.stdout)")
        let firstActions = try JSONValue.parse(first.stdout)["topics"]?.arrayValue?.compactMap { $0["action"]?.stringValue } ?? []
        // The embedded log has the catalog's topics from its first open (apply then finds them);
        // Kafka creates them on the first apply (or finds those an earlier test created).
        let expected: Set<String> = kind == .embedded ? ["unchanged"] : ["created", "unchanged"]
        #expect(!firstActions.isEmpty && firstActions.allSatisfy(expected.contains), "\(first.stdout)")
    }
}
