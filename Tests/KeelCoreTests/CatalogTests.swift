import Foundation
import Testing

@testable import KeelCore

/// Small hand-built catalogs, to test loading rules and `prepare` precisely.
enum CatalogFixtures {
    static let payments = #"""
        {
          "name": "keel.payments",
          "description": "Payments.",
          "partitions": 3,
          "replicationFactor": 1,
          "cleanupPolicy": "delete",
          "retention": "7d",
          "key": {"description": "the payment id", "from": ["data:/paymentId"]},
          "writer": "keel",
          "tenantReadable": true,
          "config": {"min.insync.replicas": 1, "segment.ms": "60000"},
          "eventTypes": [
            {"type": "keel.payment.made", "description": "A payment.", "versions": [
              {"version": 1, "schema": {"type": "object", "required": ["paymentId"], "properties": {"paymentId": {"type": "string"}}}},
              {"version": 2, "schema": {"type": "object", "required": ["paymentId", "amount"],
                "properties": {"paymentId": {"type": "string"}, "amount": {"type": "integer", "minimum": 0}}},
               "examples": [{"paymentId": "p-1", "amount": 5}]}
            ]},
            {"type": "keel.payment.noted", "description": "Free-form.", "versions": [{"version": 1, "schema": true}]}
          ]
        }
        """#

    static let external = #"""
        {"name": "keel.external", "description": "Open ingest.", "partitions": 12, "replicationFactor": 1,
         "cleanupPolicy": "delete", "retention": "7d", "acceptsAnyType": true, "writer": "any", "tenantReadable": true,
         "key": {"description": "partitionkey, subject or source", "from": ["partitionkey", "subject", "source"]}}
        """#

    static let tenants = #"""
        {"name": "keel.tenants", "description": "Tenants.", "partitions": 3, "replicationFactor": 1,
         "cleanupPolicy": "compact", "retention": "forever", "writer": "keel", "tenantReadable": false,
         "key": {"description": "tenant", "from": ["partitionkey", "tenantid"]},
         "eventTypes": [{"type": "keel.tenant.created", "description": "d", "versions": [{"version": 1, "schema": {"type": "object"}}]}]}
        """#

    static func file(_ name: String, _ text: String) -> CatalogFile {
        CatalogFile(path: "Topics/\(name).json", contents: Array(text.utf8))
    }

    static func catalog() throws -> TopicCatalog {
        try TopicCatalog(files: [file("keel.payments", payments), file("keel.external", external), file("keel.tenants", tenants)])
    }
}

@Suite struct CatalogLoadTests {
    @Test func loadsTopicsSortedWithConfigs() throws {
        let catalog = try CatalogFixtures.catalog()
        #expect(catalog.topics.map(\.name) == ["keel.external", "keel.payments", "keel.tenants"])
        let payments = try #require(catalog.topic(named: "keel.payments"))
        #expect(payments.retentionMs == Int64(604_800_000))
        #expect(payments.key.sources == [.data(pointer: "/paymentId")])
        #expect(payments.kafkaConfig == ["cleanup.policy": "delete", "retention.ms": "604800000", "min.insync.replicas": "1", "segment.ms": "60000"])
        #expect(payments.eventTypes.first?.latestVersion == 2)
        #expect(payments.eventTypes.first?.versions.last?.examples.count == 1)
        let tenants = try #require(catalog.topic(named: "keel.tenants"))
        #expect(tenants.retentionMs == nil)
        #expect(tenants.kafkaConfig["retention.ms"] == "-1")
        #expect(tenants.kafkaConfig["cleanup.policy"] == "compact")
        #expect(catalog.topic(named: "keel.external")?.acceptsAnyType == true)
        #expect(catalog.homeTopic(forType: "keel.payment.made")?.name == "keel.payments")
        #expect(catalog.homeTopic(forType: "nope") == nil)
        #expect(catalog.ingestTopicName == "keel.external")
        #expect(payments.writer == .keel && payments.tenantReadable && !payments.key.tenantScoped)
        #expect(tenants.writer == .keel && !tenants.tenantReadable && !tenants.key.tenantScoped)
        #expect(catalog.producerWritableTopics == ["keel.external"])
        #expect(catalog.tenantReadableTopics == ["keel.external", "keel.payments"])
        #expect(!catalog.isTenantReadable("keel.tenants") && !catalog.isTenantReadable("keel.unknown"))
    }

    @Test func aTopicWithoutItsAccessPropertiesIsRefused() {
        let bare = CatalogFixtures.tenants.replacingOccurrences(of: #""writer": "keel", "tenantReadable": false,"#, with: "")
        let found = problems([CatalogFixtures.file("keel.tenants", bare)]).map(\.message)
        #expect(found.contains { $0.contains("'writer' must be") }, "\(found)")
        #expect(found.contains { $0.contains("'tenantReadable' must be a boolean") }, "\(found)")
    }

    @Test func parsesRetentionDurations() {
        #expect(TopicFileParser.duration("7d") == 604_800_000)
        #expect(TopicFileParser.duration("1h") == 3_600_000)
        #expect(TopicFileParser.duration("30m") == 1_800_000)
        #expect(TopicFileParser.duration("15s") == 15_000)
        #expect(TopicFileParser.duration("250ms") == 250)
        #expect(TopicFileParser.duration("2w") == 1_209_600_000)
        #expect(TopicFileParser.duration("0d") == nil)
        #expect(TopicFileParser.duration("d") == nil)
        #expect(TopicFileParser.duration("7 d") == nil)
        #expect(TopicFileParser.duration("7y") == nil)
    }

    @Test func namesAndKeySources() {
        #expect(TopicCatalog.isValidTopicName("keel.workflow.runs"))
        #expect(TopicCatalog.isValidTopicName("keel.a-b.c1"))
        #expect(!TopicCatalog.isValidTopicName("keel"))
        #expect(!TopicCatalog.isValidTopicName("keel..runs"))
        #expect(!TopicCatalog.isValidTopicName("keel.Runs"))
        #expect(!TopicCatalog.isValidTopicName("other.runs"))
        #expect(!TopicCatalog.isValidTopicName("keel.1runs"))
        #expect(TopicCatalog.isValidEventTypeName("keel.workflow.run.started"))
        #expect(!TopicCatalog.isValidEventTypeName("keel.started"))
        #expect(!TopicCatalog.isValidEventTypeName("Keel.Workflow.Started"))
        #expect(KeySource("data:/runId") == .data(pointer: "/runId"))
        #expect(KeySource("data:runId") == nil)
        #expect(KeySource("tenantid") == .tenantid)
        #expect(KeySource("key") == nil)
        #expect(KeySource.data(pointer: "/a").description == "data:/a")
    }

    private func problems(_ files: [CatalogFile]) -> [CatalogProblem] {
        do {
            _ = try TopicCatalog(files: files)
            return []
        } catch {
            return error.problems
        }
    }

    @Test func collectsEveryProblemWithItsFile() {
        let broken = #"""
            {"name": "keel.Broken", "description": "", "partitions": 0, "replicationFactor": "1", "cleanupPolicy": "archive",
             "retention": "soon", "key": {"description": "k", "from": ["nowhere"], "scope": "galaxy"}, "acceptsAnyType": true, "colour": "red",
             "writer": "everyone", "tenantReadable": "yes",
             "config": {"retention.ms": "5", "x": [1]},
             "eventTypes": [
               {"type": "Bad Type", "description": "d", "versions": [{"version": 1, "schema": {"type": "strng"}}]},
               {"type": "keel.ok.type", "description": "d", "versions": [{"version": 1, "schema": {}}, {"version": 1, "schema": {}}]},
               {"type": "keel.gap.type", "description": "d", "versions": [{"version": 2, "schema": {}}]},
               {"type": "keel.example.type", "description": "d", "versions": [{"version": 1, "schema": {"type": "object", "required": ["a"]}, "examples": [{}]}]}
             ]}
            """#
        let clash = CatalogFixtures.payments.replacingOccurrences(of: "keel.payments", with: "keel.payments2")
        let found = problems([
            CatalogFixtures.file("keel.broken", broken),
            CatalogFixtures.file("keel.payments", CatalogFixtures.payments),
            CatalogFixtures.file("keel.payments2", clash),
            CatalogFixtures.file("keel.misnamed", CatalogFixtures.tenants),
            CatalogFile(path: "Topics/keel.garbage.json", contents: Array("{\"a\":".utf8)),
            CatalogFile(path: "Topics/keel.dupkey.json", contents: Array(#"{"name":"a","name":"b"}"#.utf8)),
        ])
        let text = found.map(\.description)
        func has(_ path: String, _ fragment: String) -> Bool {
            text.contains { $0.hasPrefix(path) && $0.contains(fragment) }
        }
        let b = "Topics/keel.broken.json"
        #expect(has(b, "topic name 'keel.Broken' must match"))
        #expect(has(b, "file name 'keel.broken.json' must be the topic name"))
        #expect(has(b, "'description' must be a non-empty string"))
        #expect(has(b, "'partitions' must be an integer"))
        #expect(has(b, "'replicationFactor' must be an integer"))
        #expect(has(b, "'cleanupPolicy' must be one of"))
        #expect(has(b, "'retention' must be"))
        #expect(has(b, "unknown key source \"nowhere\""))
        #expect(has(b, "only keel.external may accept any event type"))
        #expect(has(b, "unknown field 'colour'"))
        #expect(has(b, "'writer' must be \"keel\""))
        #expect(has(b, "'tenantReadable' must be a boolean"))
        #expect(has(b, "key: 'scope' must be \"tenant\""))
        #expect(has(b, "config 'retention.ms' is set by"))
        #expect(has(b, "config 'x' must be"))
        #expect(has(b, "type names are lowercase dotted"))
        #expect(has(b, "invalid schema: schema/type"))
        #expect(has(b, "version 1 is declared twice"))
        #expect(has(b, "without gaps"))
        #expect(has(b, "example 0 does not match the schema: data/a: is required"))
        #expect(has("Topics/keel.payments2.json", "'keel.payment.made' already has a home: topic 'keel.payments'"))
        #expect(has("Topics/keel.misnamed.json", "must be the topic name plus .json"))
        #expect(has("Topics/keel.garbage.json", "invalid JSON at line 1"))
        #expect(has("Topics/keel.dupkey.json", "duplicate object key \"name\""))
        #expect(found.count >= 24)
        #expect(found.map(\.path) == found.map(\.path).sorted())
        let error = CatalogError(problems: found)
        #expect(error.description.hasPrefix("the topic catalog has \(found.count) problems:\n  Topics/"))
    }

    @Test func rejectsTheSameTopicTwice() {
        let found = problems([
            CatalogFixtures.file("keel.tenants", CatalogFixtures.tenants),
            CatalogFile(path: "other/keel.tenants.json", contents: Array(CatalogFixtures.tenants.utf8)),
        ])
        #expect(found.count == 1)
        #expect(found.first?.message.contains("also declared in") == true)
    }

    @Test func acceptsAnEmptyCatalog() throws {
        #expect(try TopicCatalog(files: []).topics.isEmpty)
    }
}
