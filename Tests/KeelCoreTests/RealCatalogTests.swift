import Foundation
import Testing

@testable import KeelCore

/// Loads the real `Topics/` catalog of the repository and checks it end to end.
@Suite struct RealCatalogTests {
    static func topicsDirectory() -> URL {
        // Tests/KeelCoreTests/RealCatalogTests.swift → repository root.
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Topics")
    }

    static func loadFiles() throws -> [CatalogFile] {
        let directory = topicsDirectory()
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted()
        return try names.map { name in
            CatalogFile(path: "Topics/\(name)", contents: Array(try Data(contentsOf: directory.appendingPathComponent(name))))
        }
    }

    static func load() throws -> TopicCatalog {
        do {
            return try TopicCatalog(files: loadFiles())
        } catch let error as CatalogError {
            Issue.record("\(error)")
            throw error
        }
    }

    @Test func loadsWithTheExpectedTopics() throws {
        let catalog = try Self.load()
        let expected: Set<String> = [
            "keel.external", "keel.workflow.definitions", "keel.workflow.commands", "keel.workflow.runs", "keel.agent.tasks",
            "keel.scheduler.schedules", "keel.scheduler.fires", "keel.scheduler.timers", "keel.assistant.configs",
            "keel.assistant.conversations", "keel.assistant.tokens", "keel.llm.usage", "keel.media.calls", "keel.tenants",
            "keel.apikeys", "keel.audit", "keel.deadletter",
        ]
        #expect(expected.isSubset(of: Set(catalog.topics.map(\.name))))
        #expect(try Self.loadFiles().count == catalog.topics.count)
        for topic in catalog.topics {
            #expect((3...12).contains(topic.partitions), "\(topic.name)")
            #expect(topic.replicationFactor == 1, "\(topic.name)")
            #expect(topic.acceptsAnyType == (topic.name == catalog.ingestTopicName), "\(topic.name)")
            if !topic.acceptsAnyType { #expect(!topic.eventTypes.isEmpty, "\(topic.name)") }
        }
        let external = try #require(catalog.topic(named: "keel.external"))
        #expect(external.partitions == 12)
        #expect(external.retentionMs == Int64(604_800_000))
        #expect(external.key.sources == [.partitionkey, .subject, .source])
        for compacted in ["keel.workflow.definitions", "keel.scheduler.schedules", "keel.assistant.configs", "keel.tenants", "keel.apikeys"] {
            #expect(catalog.topic(named: compacted)?.cleanupPolicy == .compact, "\(compacted)")
        }
        let tokens = try #require(catalog.topic(named: "keel.assistant.tokens")?.retentionMs)
        #expect((3_600_000...86_400_000).contains(tokens))
        #expect(catalog.topic(named: "keel.llm.usage")?.key.sources == [.tenantid])
        #expect(catalog.topic(named: "keel.audit")?.key.sources == [.tenantid])
    }

    @Test func onlyTheOpenTopicIsWrittenByProducersAndInternalTopicsAreUnreadable() throws {
        let catalog = try Self.load()
        #expect(catalog.producerWritableTopics == [catalog.ingestTopicName])
        for hidden in ["keel.tenants", "keel.apikeys", "keel.deadletter", "keel.scheduler.timers", "keel.workflow.commands"] {
            #expect(catalog.topic(named: hidden)?.tenantReadable == false, "\(hidden)")
        }
        for readable in ["keel.external", "keel.audit", "keel.workflow.runs", "keel.assistant.tokens", "keel.media.calls", "keel.llm.usage"] {
            #expect(catalog.isTenantReadable(readable), "\(readable)")
        }
        // Every topic keyed by an id a client chooses keys by tenant too.
        for topic in catalog.topics {
            let clientChosen = topic.key.sources.contains {
                if case .data(let pointer) = $0 { return !["/tenantId", "/keyId", "/originalKey", "/projection"].contains(pointer) }
                return false
            }
            #expect(topic.key.tenantScoped == clientChosen, "\(topic.name)")
        }
    }

    @Test func everyTypeHasExactlyOneHome() throws {
        let catalog = try Self.load()
        var homes: [String: [String]] = [:]
        for topic in catalog.topics {
            for type in topic.eventTypes { homes[type.type, default: []].append(topic.name) }
        }
        for (type, topics) in homes {
            #expect(topics.count == 1, "\(type): \(topics)")
            #expect(catalog.homeTopic(forType: type)?.name == topics.first)
        }
    }

    @Test func keepsOneHistoricalSchemaVersion() throws {
        let catalog = try Self.load()
        let started = try #require(catalog.eventType(named: "keel.workflow.run.started"))
        #expect(started.versions.map(\.version) == [1, 2, 3])
        #expect(started.latestVersion == 3)
        // A v1 document is not a valid v2 document: upcasting has real work to do.
        let v1Example = try #require(started.versions[0].examples.first)
        #expect(!started.versions[1].schema.validate(v1Example).isEmpty)
    }

    @Test func everyExampleOfEveryVersionPreparesOnItsHomeTopic() throws {
        let catalog = try Self.load()
        var checked = 0
        for topic in catalog.topics {
            for type in topic.eventTypes {
                for version in type.versions {
                    #expect(!version.examples.isEmpty, "\(type.type) v\(version.version) has no example")
                    for example in version.examples {
                        #expect(version.schema.validate(example).isEmpty)
                        var event = CloudEvent(id: "example-\(checked)", source: "/keel/tests", type: type.type, json: example)
                        event.tenantid = "acme"
                        event.dataversion = version.version
                        do {
                            let prepared = try catalog.prepare(event, forTopic: topic.name)
                            #expect(prepared.partitionkey != nil)
                            #expect(prepared.dataversion == version.version)
                            // And the produced record decodes to the same event.
                            let record = KafkaBinding.encode(prepared)
                            #expect(try KafkaBinding.decode(key: record.key, value: record.value, headers: record.headers) == prepared)
                            checked += 1
                        } catch {
                            Issue.record("\(type.type) v\(version.version) on \(topic.name): \(error)")
                        }
                    }
                }
            }
        }
        #expect(checked >= 58)
    }

    @Test func apiKeyEventsCannotCarryASecret() throws {
        let catalog = try Self.load()
        for type in ["keel.apikey.created", "keel.apikey.rotated", "keel.apikey.revoked"] {
            let definition = try #require(catalog.eventType(named: type))
            var example = try #require(definition.versions.last?.examples.first?.objectValue)
            example["secret"] = "kk_live_abcdef"
            #expect(definition.versions.last?.schema.validate(.object(example)).map(\.path) == ["/secret"], "\(type)")
        }
    }

    @Test func usageCostIsADecimalString() throws {
        let catalog = try Self.load()
        let schema = try #require(catalog.eventType(named: "keel.llm.call.completed")?.versions.last?.schema)
        var example = try #require(catalog.eventType(named: "keel.llm.call.completed")?.versions.last?.examples.first?.objectValue)
        example["cost"] = 0.01
        #expect(schema.validate(.object(example)).map(\.path) == ["/cost"])
        example["cost"] = "1e-3"
        #expect(schema.validate(.object(example)).map(\.path) == ["/cost"])
    }
}
