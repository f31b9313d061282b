import ArgumentParser
import Foundation
import KeelCore
import KeelLog

/// `keel tail TOPIC`: prints a topic's events as CloudEvents JSON lines and follows it live.
struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Print a topic's events (CloudEvents structured JSON, one per line) and follow it live.",
        discussion: "Runs beside `keel serve` on the same embedded directory (it opens the log read-only)."
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The topic to read.") var topic: String
    @Option(help: "earliest, latest, an offset (each partition), or an ISO-8601 time.") var from: String = "latest"
    @Option(help: "Stop after this many (matching) events.") var limit: Int?
    @Option(help: "Only events of this type.") var type: String?
    @Option(help: "Only events with this partition key.") var key: String?
    @Option(help: "Only events of this tenant.") var tenant: String?
    @Option(help: "json (one structured CloudEvent per line) or pretty.") var format: TailFormat = .json

    func validate() throws {
        _ = try startPosition()
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func startPosition() throws -> StartPosition {
        switch from {
        case "earliest": return .earliest
        case "latest": return .latest
        default:
            if let offset = Int64(from), offset >= 0 { return .offset(offset) }
            if let date = RFC3339.parse(from) { return .timestampMs(Int64((date.timeIntervalSince1970 * 1000).rounded())) }
            throw ValidationError(
                "--from must be earliest, latest, a non-negative offset or an ISO-8601 time (e.g. 2026-11-21T07:00:00Z), got '\(from)'")
        }
    }

    func run() async throws {
        let log = try await global.openLog(readOnly: true)
        do {
            try await follow(log)
            try await log.shutdown()
        } catch {
            try? await log.shutdown()
            throw error
        }
    }

    private func follow(_ log: any EventLog) async throws {
        guard let description = try await log.describeTopic(topic) else {
            let known = (try? global.loadCatalog().topic(named: topic)) != nil
            throw known
                ? CLIFailure.runtime("topic '\(topic)' does not exist on \(log.description) (run `keel topics apply`)")
                : CLIFailure.usage("unknown topic '\(topic)' (see `keel topics list`)")
        }
        let partitions = (0..<description.partitions).map { TopicPartition(topic, $0) }
        let consumer = try await log.makeConsumer(
            ConsumerConfiguration(
                subscription: .partitions(partitions), start: try startPosition(), maxBatchSize: 1000
            ))
        var printed = 0
        for try await event in consumer.events {
            guard case .records(let records) = event else { continue }
            var out = ""
            for record in records {
                let event: CloudEvent
                do {
                    event = try KafkaBinding.decode(key: record.key, value: record.value, headers: record.headers)
                } catch {
                    Output.error("keel: \(record.coordinates) is not a CloudEvent: \(error)")
                    continue
                }
                guard matches(event, record) else { continue }
                out += format.render(event, record) + "\n"
                printed += 1
                if let limit, printed >= limit { break }
            }
            if !out.isEmpty { FileHandle.standardOutput.write(Data(out.utf8)) }
            if let limit, printed >= limit { break }
        }
        try await consumer.close()
    }

    private func matches(_ event: CloudEvent, _ record: ConsumedRecord) -> Bool {
        if let type, event.type != type { return false }
        if let tenant, event.tenantid != tenant { return false }
        if let key {
            let recordKey = record.key.flatMap { String(validating: $0, as: UTF8.self) }
            if (event.partitionkey ?? recordKey) != key { return false }
        }
        return true
    }
}

enum TailFormat: String, ExpressibleByArgument, CaseIterable {
    case json
    case pretty

    func render(_ event: CloudEvent, _ record: ConsumedRecord) -> String {
        switch self {
        case .json:
            return event.structured().jsonString
        case .pretty:
            var head = "\(record.coordinates)  \(event.time.map(RFC3339.format) ?? "-")  \(event.type)"
            if let key = event.partitionkey { head += "  key=\(key)" }
            if let tenant = event.tenantid { head += "  tenant=\(tenant)" }
            let body: String
            switch event.data {
            case .json(let value): body = value.jsonString
            case .text(let text): body = text
            case .binary(let bytes): body = "<\(bytes.count) bytes>"
            case nil: body = "(no data)"
            }
            return head + "\n  " + body
        }
    }
}
