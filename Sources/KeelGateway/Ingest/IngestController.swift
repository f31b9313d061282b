import HTTPTypes
import Hummingbird
import KeelCore
import NIOCore

/// `POST /v1/events`: the CloudEvents HTTP protocol binding (structured, binary and batch mode).
struct IngestController {
    let service: IngestService
    let maxBodyBytes: Int
    let maxBatchEvents: Int

    func register(on routes: RouteRegistrar) {
        routes.on(GatewayRoutes.ingest) { request, context in try await ingest(request, context) }
    }

    func ingest(_ request: Request, _ context: GatewayContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let body = Array(try await request.body(limit: maxBodyBytes).readableBytesView)
        let contentType = request.headers[.contentType]
        let mode = HTTPBinding.contentMode(contentType: contentType)
        let events: [CloudEvent]
        do {
            switch mode {
            case .structured:
                events = [try HTTPBinding.decodeStructured(body)]
            case .batch:
                events = try HTTPBinding.decodeBatch(body, maxEvents: maxBatchEvents)
            case .binary:
                let headers = request.headers.map { (name: $0.name.canonicalName, value: $0.value) }
                guard headers.contains(where: { $0.name.hasPrefix("ce-") }) else {
                    throw Problem(
                        .unsupportedMediaType,
                        "send application/cloudevents+json (structured), application/cloudevents-batch+json (batch), or ce-* headers with any body (binary); got \(contentType ?? "no Content-Type") without ce-* headers"
                    )
                }
                events = [try HTTPBinding.decodeBinary(headers: headers, body: body)]
            }
        } catch let error as EventValidationError {
            let problem = Problem.invalidEvent(error, index: Self.batchIndex(of: error, mode: mode))
            service.metrics.eventsRejected(1)
            throw problem
        }
        let tenant = try principal.actingTenant(requested: request.requestedTenant)
        let results = try await service.ingest(events, principal: principal, tenant: tenant, batch: mode == .batch)
        var answer: [UInt8] = []
        answer.reserveCapacity(160 * results.count + 48)
        if mode == .batch {
            IngestResult.appendBatchJSON(results, to: &answer)
        } else {
            results[0].appendJSON(to: &answer)
        }
        return .json(serialized: answer, status: .accepted)
    }

    /// A batch error's field starts with `[index].`.
    static func batchIndex(of error: EventValidationError, mode: HTTPBinding.Mode) -> Int? {
        guard mode == .batch, error.field.hasPrefix("["), let close = error.field.firstIndex(of: "]") else { return nil }
        return Int(error.field[error.field.index(after: error.field.startIndex)..<close])
    }
}
