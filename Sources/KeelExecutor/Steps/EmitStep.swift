import KeelCore
import KeelWorkflow

/// `emit`: produces a CloudEvent under the same rules as ingest — the catalog's type and schema,
/// the run's tenant stamped, only topics producers may write — with a deterministic id
/// (`idempotencyKey`), so a repeated attempt is deduplicated by every reader of the id.
public struct EmitStep: StepRunner {
    public let kind = "emit"
    let writer: KeelEventWriter

    public init(writer: KeelEventWriter) { self.writer = writer }

    public func run(_ attempt: StepAttempt) async throws(StepFailure) -> JSONValue {
        let fields = attempt.fields
        guard let topic = fields["topic"]?.stringValue, let type = fields["type"]?.stringValue else {
            throw StepFailure(code: "emit", message: "emit needs topic and type", retryable: false)
        }
        guard let definition = writer.catalog.topic(named: topic), definition.writer == .any else {
            throw StepFailure(code: "emit-forbidden", message: "topic '\(topic)' is not open to producers", retryable: false)
        }
        let event: CloudEvent
        do {
            event = try writer.event(
                type: type, topic: topic, tenant: attempt.tenant, data: fields["data"] ?? .object([:]),
                id: attempt.idempotencyKey, nowMs: WallClock.nowMs())
        } catch {
            throw StepFailure(code: "emit-invalid", message: "\(error)", retryable: false)
        }
        do {
            let coordinates = try await writer.append([event], to: topic)[0]
            return .object([
                "id": .string(event.id), "topic": .string(topic), "partition": .int(Int64(coordinates.partition)),
                "offset": .int(coordinates.offset),
            ])
        } catch {
            throw StepFailure(code: "emit-append", message: "\(error)", retryable: true)
        }
    }
}
