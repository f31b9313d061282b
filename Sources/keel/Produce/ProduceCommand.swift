import ArgumentParser
import Foundation
import KeelCore
import KeelLog

/// `keel produce TOPIC`: JSON lines in, one coordinates line out per durable event.
///
/// Every line is validated (envelope, catalog, schema) before anything is produced; an invalid
/// line is reported on stderr with its line number and never reaches the topic. With
/// `--on-error continue` (the default) the other lines still go through and the exit code is 2
/// at the end; with `--on-error stop` nothing from the bad line onward is produced.
struct ProduceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "Produce CloudEvents read as JSON lines from stdin; print {topic,partition,offset,id} per acknowledged event.",
        discussion: """
            Each line is a full CloudEvent (structured JSON, with specversion) or a shorthand that Keel completes:
              {"type": "order.created", "key": "order-1", "data": {"amount": 3}}
            Shorthand fields: type, key (partition key), data, source, id, subject, time, tenant, and any
            CloudEvents attribute. A line is printed only once its event is durable.
            """
    )

    enum OnError: String, ExpressibleByArgument, CaseIterable {
        case `continue`
        case stop
    }

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The topic, e.g. keel.external") var topic: String
    @Option(name: .customLong("on-error"), help: "On an invalid line: continue (report it, exit 2 at the end) or stop (exit 2 at once).")
    var onError: OnError = .continue
    @Option(help: "The source attribute for shorthand lines.") var source: String = "urn:keel:cli"
    @Option(name: .customLong("batch-size"), help: "Most events per produce request.") var batchSize: Int = 1000

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() async throws {
        let catalog = try global.loadCatalog()
        guard catalog.topic(named: topic) != nil else {
            throw CLIFailure.usage("unknown topic '\(topic)' (see `keel topics list`)")
        }
        let log = try await global.openLog()
        var outcome = Outcome()
        do {
            guard try await log.describeTopic(topic) != nil else {
                throw CLIFailure.runtime("topic '\(topic)' does not exist on \(log.description) (run `keel topics apply`)")
            }
            lines: for await chunk in StandardInputLines() {
                var pending: [(line: Int, event: CloudEvent)] = []
                for line in chunk where !line.bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
                    do {
                        let event = try ProduceInput.event(from: line.bytes, defaultSource: source)
                        pending.append((line.number, try catalog.prepare(event, forTopic: topic)))
                    } catch let error as EventValidationError {
                        outcome.rejected += 1
                        Output.error("keel: line \(line.number): \(error)")
                        if onError == .stop {
                            try await produce(pending, to: log, outcome: &outcome)
                            break lines
                        }
                    }
                }
                try await produce(pending, to: log, outcome: &outcome)
            }
            try await log.shutdown()
        } catch {
            try? await log.shutdown()
            throw error
        }
        if outcome.failed > 0 {
            throw CLIFailure.runtime("\(outcome.failed) event(s) were not acknowledged (see above); \(outcome.acknowledged) were")
        }
        if outcome.rejected > 0 {
            throw CLIFailure.usage(
                "\(outcome.rejected) line(s) rejected, nothing from them was produced; \(outcome.acknowledged) event(s) acknowledged")
        }
    }

    struct Outcome {
        var acknowledged = 0
        var rejected = 0
        var failed = 0
    }

    private func produce(_ events: [(line: Int, event: CloudEvent)], to log: any EventLog, outcome: inout Outcome) async throws {
        var start = 0
        while start < events.count {
            let slice = events[start..<min(start + batchSize, events.count)]
            start += slice.count
            let records = slice.map { OutgoingRecord($0.event, timestampMs: $0.event.timeMs) }
            do {
                let coordinates = try await log.produce(records, to: topic)
                for (item, placed) in zip(slice, coordinates) {
                    printAcknowledged(item.event, placed)
                }
                outcome.acknowledged += coordinates.count
            } catch let failure as ProduceFailure {
                for (index, item) in slice.enumerated() {
                    if let placed = failure.acknowledged[index] {
                        printAcknowledged(item.event, placed)
                        outcome.acknowledged += 1
                    } else {
                        outcome.failed += 1
                        let reason = failure.failures[index].map(\.description) ?? "not acknowledged"
                        Output.error("keel: line \(item.line): not acknowledged: \(reason)")
                    }
                }
            } catch let error as EventLogError {
                outcome.failed += slice.count
                for item in slice { Output.error("keel: line \(item.line): not acknowledged: \(error)") }
            }
        }
    }

    private func printAcknowledged(_ event: CloudEvent, _ placed: RecordCoordinates) {
        Output.json(
            .object([
                "topic": .string(placed.topic), "partition": .int(Int64(placed.partition)),
                "offset": .int(placed.offset), "id": .string(event.id),
            ]))
    }
}
