import ArgumentParser
import KeelCore
import KeelLog

struct TopicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics",
        abstract: "List, describe, validate and apply the topic catalog (Topics/).",
        subcommands: [List.self, Describe.self, Validate.self, Apply.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the catalog's topics.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "text or json") var format: OutputFormat = .text

        func run() async throws {
            let catalog = try global.loadCatalog()
            switch format {
            case .json:
                Output.json(.array(catalog.topics.map(TopicJSON.summary)))
            case .text:
                let rows = catalog.topics.map { topic in
                    [
                        topic.name, "\(topic.partitions)", topic.kafkaConfig["cleanup.policy"] ?? "delete",
                        TopicJSON.retentionText(topic.retentionMs), topic.acceptsAnyType ? "any" : "\(topic.eventTypes.count)",
                    ]
                }
                Output.line(Table.render(header: ["TOPIC", "PARTITIONS", "CLEANUP", "RETENTION", "TYPES"], rows: rows))
            }
        }
    }

    struct Describe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Describe one topic: key, retention, event types and versions, and its state on the log.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The topic name, e.g. keel.workflow.runs") var name: String
        @Option(help: "text or json") var format: OutputFormat = .text

        func run() async throws {
            let catalog = try global.loadCatalog()
            guard let topic = catalog.topic(named: name) else {
                throw CLIFailure.usage("unknown topic '\(name)' (see `keel topics list`)")
            }
            let onLog = try await LiveTopicState.read(name, global: global)
            switch format {
            case .json:
                var json = TopicJSON.detail(topic)
                json["log"] = onLog.json
                Output.json(.object(json))
            case .text:
                Output.line(TopicJSON.describeText(topic))
                Output.line("on the log (\(try global.location())): \(onLog.text)")
            }
        }
    }

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check the catalog: names, homes, keys, schemas. Exit 2 when invalid.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "text or json") var format: OutputFormat = .text

        func run() async throws {
            do {
                let catalog = try global.loadCatalog()
                let types = catalog.topics.reduce(0) { $0 + $1.eventTypes.count }
                let versions = catalog.topics.reduce(0) { $0 + $1.eventTypes.reduce(0) { $0 + $1.versions.count } }
                switch format {
                case .json:
                    Output.json(
                        .object([
                            "valid": .bool(true), "topics": .int(Int64(catalog.topics.count)),
                            "eventTypes": .int(Int64(types)), "schemaVersions": .int(Int64(versions)),
                        ]))
                case .text:
                    Output.line("catalog valid: \(catalog.topics.count) topics, \(types) event types, \(versions) schema versions")
                }
            } catch let failure as CLIFailure where format == .json {
                Output.json(.object(["valid": .bool(false), "errors": .array(failure.message.split(separator: "\n").map { .string(String($0)) })]))
                throw ExitCode(2)
            }
        }
    }

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the catalog's missing topics on the log with their configs; report drift. Idempotent."
        )
        @OptionGroup var global: GlobalOptions
        @Option(help: "text or json") var format: OutputFormat = .text
        @Flag(help: "Show what would change without changing anything.") var dryRun = false
        @Option(name: .customLong("replication-factor"), help: "Override the catalog's replication factor (production clusters use 3).")
        var replicationFactor: Int16?

        func validate() throws {
            if let replicationFactor, replicationFactor < 1 {
                throw ValidationError("--replication-factor must be at least 1")
            }
        }

        func run() async throws {
            let catalog = try global.loadCatalog()
            let log = try await global.openLog(readOnly: false)
            var plans: [TopicPlan] = []
            do {
                for topic in catalog.topics {
                    let plan = TopicPlan.compute(topic, existing: try await log.describeTopic(topic.name))
                    if plan.action == .create, !dryRun {
                        _ = try await log.createTopic(TopicSpec(topic, replicationFactor: replicationFactor))
                    }
                    plans.append(plan)
                }
                try await log.shutdown()
            } catch {
                try? await log.shutdown()
                throw CLIFailure.runtime("apply failed on \(log.description): \(error)")
            }
            switch format {
            case .json:
                Output.json(.object(["log": .string(log.description), "dryRun": .bool(dryRun), "topics": .array(plans.map(\.json))]))
            case .text:
                for plan in plans {
                    let verb = dryRun && plan.action == .create ? "would create" : plan.action.rawValue
                    Output.line("\(plan.topic): \(verb)")
                    for line in plan.drift { Output.line("  drift: \(line)") }
                }
                let counts = Dictionary(grouping: plans, by: \.action).mapValues(\.count)
                Output.line(
                    "\(counts[.create] ?? 0) \(dryRun ? "to create" : "created"), \(counts[.unchanged] ?? 0) unchanged, \(counts[.drift] ?? 0) with drift"
                )
            }
        }
    }
}

/// What the log says about a topic, for `describe`.
struct LiveTopicState {
    var description: TopicDescription?
    var error: String?

    static func read(_ name: String, global: GlobalOptions) async throws -> LiveTopicState {
        do {
            let log = try await global.openLog(readOnly: true)
            let description = try await log.describeTopic(name)
            try await log.shutdown()
            return LiveTopicState(description: description)
        } catch let failure as CLIFailure {
            return LiveTopicState(error: failure.message)
        }
    }

    var json: JSONValue {
        if let error { return .object(["error": .string(error)]) }
        guard let description else { return .object(["exists": .bool(false)]) }
        return .object([
            "exists": .bool(true), "partitions": .int(Int64(description.partitions)),
            "replicationFactor": .int(Int64(description.replicationFactor)),
            "config": .object(description.config.mapValues { .string($0) }),
        ])
    }

    var text: String {
        if let error { return "unavailable (\(error))" }
        guard let description else { return "not created (run `keel topics apply`)" }
        return "exists, \(description.partitions) partitions, replication \(description.replicationFactor)"
    }
}
