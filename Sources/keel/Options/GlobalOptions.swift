import ArgumentParser
import Foundation
import KeelCore
import KeelKafka
import KeelLog
import KeelLogEmbedded
import Logging

/// Options every command that touches the log or the catalog takes.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .customLong("log"),
        help: ArgumentHelp("Where the log is: embedded:DIR or kafka:HOST:PORT[,HOST:PORT…]. Env KEEL_LOG.", valueName: "location")
    )
    var logLocation: String?

    @Option(name: .customLong("topics"), help: ArgumentHelp("The topic catalog folder. Env KEEL_TOPICS.", valueName: "dir"))
    var topicsDirectory: String?

    @Option(
        name: .customLong("kafka-config"),
        help: ArgumentHelp("A librdkafka property passed through to Kafka clients (repeatable).", valueName: "key=value")
    )
    var kafkaConfig: [String] = []

    @Option(name: .customLong("connect-timeout"), help: "Seconds to wait for a Kafka broker before failing.")
    var connectTimeoutSeconds: Double = 10

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "warning"

    func validate() throws {
        for pair in kafkaConfig where !pair.contains("=") {
            throw ValidationError("--kafka-config takes key=value, got '\(pair)'")
        }
        if Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        _ = try location()
    }

    func makeLogger(_ label: String = "keel") -> Logger {
        var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .warning
        return logger
    }

    func location() throws -> LogLocation {
        let raw = logLocation ?? ProcessInfo.processInfo.environment["KEEL_LOG"] ?? "embedded:./.keel"
        guard let location = LogLocation(raw) else {
            throw ValidationError("--log must be embedded:DIR or kafka:HOST:PORT, got '\(raw)'")
        }
        return location
    }

    /// Opens the log. `readOnly` opens an embedded log beside a running writer (`keel serve`).
    func openLog(readOnly: Bool = false) async throws -> any EventLog {
        let logger = makeLogger("keel.log")
        do {
            switch try location() {
            case .embedded(let directory):
                if readOnly, !FileManager.default.fileExists(atPath: directory) {
                    throw CLIFailure.runtime("no embedded log at \(directory) (create one with `keel topics apply`)")
                }
                var options = EmbeddedLogOptions()
                options.mode = readOnly ? .readOnly : .writer
                let log = try await EmbeddedEventLog(directory: directory, options: options, logger: logger)
                if !readOnly, let catalog = try? loadCatalog() {
                    // On one machine the catalog's topics simply exist from the first open; Kafka
                    // keeps the explicit `keel topics apply`. (A catalog that does not load is
                    // reported by the command that needs it.)
                    for topic in catalog.topics where try await log.describeTopic(topic.name) == nil {
                        _ = try await log.createTopic(TopicSpec(topic))
                    }
                }
                return log
            case .kafka(let bootstrap):
                var configuration = KafkaLogConfiguration(bootstrapServers: bootstrap)
                configuration.connectTimeout = .milliseconds(Int64(connectTimeoutSeconds * 1000))
                for pair in kafkaConfig {
                    let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                    configuration.properties[parts[0]] = parts.count > 1 ? parts[1] : ""
                }
                return try await KafkaEventLog(configuration: configuration, logger: logger)
            }
        } catch let error as EventLogError {
            throw CLIFailure.runtime("\(error.message)")
        }
    }

    /// Loads the topic catalog: --topics, then KEEL_TOPICS, then ./Topics, then the catalog
    /// this binary was built from.
    func loadCatalog() throws -> TopicCatalog {
        let candidates = [topicsDirectory, ProcessInfo.processInfo.environment["KEEL_TOPICS"]].compactMap { $0 }
        let directory: String
        if let explicit = candidates.first {
            directory = explicit
        } else if FileManager.default.fileExists(atPath: "Topics") {
            directory = "Topics"
        } else {
            directory = CatalogDirectory.builtFrom
        }
        return try CatalogDirectory.load(directory)
    }
}

/// Where the log lives, parsed from `embedded:DIR` or `kafka:HOST:PORT[,…]`.
enum LogLocation: Equatable, CustomStringConvertible {
    case embedded(String)
    case kafka(String)

    init?(_ raw: String) {
        if raw.hasPrefix("embedded:") {
            let path = String(raw.dropFirst("embedded:".count))
            guard !path.isEmpty else { return nil }
            self = .embedded(path)
        } else if raw.hasPrefix("kafka:") {
            let servers = String(raw.dropFirst("kafka:".count))
            let valid =
                !servers.isEmpty
                && servers.split(separator: ",").allSatisfy { server in
                    guard let colon = server.lastIndex(of: ":") else { return false }
                    return !server[..<colon].isEmpty && Int(server[server.index(after: colon)...]).map { (1...65535).contains($0) } == true
                }
            guard valid else { return nil }
            self = .kafka(servers)
        } else {
            return nil
        }
    }

    var description: String {
        switch self {
        case .embedded(let directory): "embedded:\(directory)"
        case .kafka(let servers): "kafka:\(servers)"
        }
    }
}
