import Foundation
import HTTPTypes
import Hummingbird
import KeelCore
import KeelLog
import KeelRuntime
import KeelStore

/// The operators' API over projections: replays in the server process and dead-letter requests.
///
/// Every route needs `operate` *and* platform scope: a projection spans every tenant (a replay
/// rebuilds all tenants' documents, a dead-letter list shows every tenant's events), so a
/// tenant-confined principal is refused with 403 whatever its roles. Dead-letter routes produce
/// exactly the requests `keel dlq` produces (`DeadLetterEvents` on `keel.deadletter`); the live
/// projector carries them out in order with its other work.
struct ProjectionOperationsController {
    /// `nil` when the gateway runs without the operations service: the routes then answer 503.
    let operations: ProjectionOperations?
    let log: any EventLog
    let store: any ProjectionStore

    func register(on routes: RouteRegistrar) {
        routes.on(GatewayRoutes.startReplay) { request, context in try await startReplay(request, context) }
        routes.on(GatewayRoutes.getReplay) { request, context in try getReplay(request, context) }
        routes.on(GatewayRoutes.listDeadLetters) { request, context in try await listDeadLetters(request, context) }
        routes.on(GatewayRoutes.redriveDeadLetter) { request, context in try await redrive(request, context) }
        routes.on(GatewayRoutes.skipDeadLetter) { request, context in try await skip(request, context) }
        routes.on(GatewayRoutes.redriveAllDeadLetters) { request, context in try await redriveAll(request, context) }
    }

    // MARK: Replays

    func startReplay(_ request: Request, _ context: GatewayContext) async throws -> Response {
        let (operations, projector) = try admit(context)
        let parsed = try ReplayBody.parse(try await AccessController.jsonBody(request, allowEmpty: true), now: Date())
        let status: ReplayStatus
        do {
            status = try operations.startReplay(projection: projector, from: parsed.start, to: parsed.end, request: parsed.request)
        } catch {
            throw Problem(
                .conflict, "a replay of '\(projector.name)' is already running (\(error.running)); wait for it to end",
                extensions: ["replayId": .string(error.running)],
                headers: [.location: Self.replayPath(projector.name, error.running)])
        }
        return .json(status.json, status: .accepted, headers: [.location: Self.replayPath(projector.name, status.id)])
    }

    func getReplay(_ request: Request, _ context: GatewayContext) throws -> Response {
        let (operations, projector) = try admit(context)
        let id = try context.parameters.require("id")
        guard let status = operations.replay(id, of: projector.name) else {
            throw Problem.notFound("no replay '\(id)' of '\(projector.name)' on this server (replays are kept in memory until it stops)")
        }
        return .json(status.json)
    }

    static func replayPath(_ projection: String, _ id: String) -> String { "/v1/projections/\(projection)/replays/\(id)" }

    // MARK: Dead letters

    func listDeadLetters(_ request: Request, _ context: GatewayContext) async throws -> Response {
        let (_, projector) = try admit(context)
        let entries = try await storeCall { try await store.deadLetters(.live(projector.name)) }
        return .json(.object(["deadLetters": .array(entries.map(\.json))]))
    }

    func redrive(_ request: Request, _ context: GatewayContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let (_, projector) = try admit(context)
        let entry = try await deadLetter(context, of: projector)
        let record = DeadLetterEvents.redriveRequest(projection: projector.name, entry: entry.id, by: principal.subject)
        return try await append(record, action: "redrive", projection: projector.name, entry: entry.id)
    }

    func skip(_ request: Request, _ context: GatewayContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let (_, projector) = try admit(context)
        let reason = try SkipBody.reason(try await AccessController.jsonBody(request, allowEmpty: true))
        let entry = try await deadLetter(context, of: projector)
        guard entry.status == .poison else {
            throw Problem(
                .conflict, "'\(entry.id)' is parked behind \(entry.blockedBy ?? "a poison entry"), not poison: skip that one (or redrive)",
                extensions: ["blockedBy": entry.blockedBy.map(JSONValue.string) ?? .null])
        }
        let record = DeadLetterEvents.skipRequest(projection: projector.name, entry: entry.id, reason: reason, by: principal.subject)
        return try await append(record, action: "skip", projection: projector.name, entry: entry.id)
    }

    func redriveAll(_ request: Request, _ context: GatewayContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let (_, projector) = try admit(context)
        let record = DeadLetterEvents.redriveRequest(projection: projector.name, entry: nil, by: principal.subject)
        return try await append(record, action: "redrive", projection: projector.name, entry: nil)
    }

    /// The live entry the path names: 400 when the id is not one of this projection's, 404 when
    /// no such entry is dead-lettered or parked now (already redriven or skipped).
    private func deadLetter(_ context: GatewayContext, of projector: any Projector) async throws -> DeadLetterEntry {
        let raw = try context.parameters.require("entryId")
        let id = raw.removingPercentEncoding ?? raw
        guard let (projection, documentID) = DeadLetterEntry.parse(id) else {
            throw Problem.badRequest("'\(id)' is not a dead-letter id (projection:topic:partition:offset)", field: "entryId")
        }
        guard projection == projector.name else {
            throw Problem.badRequest("dead letter '\(id)' belongs to projection '\(projection)', not '\(projector.name)'", field: "entryId")
        }
        let document = try await storeCall {
            try await store.find(.live(projector.name), collection: DeadLetterEntry.collection(of: projector.name), id: documentID)
        }
        guard let entry = document.flatMap(DeadLetterEntry.init(document:)) else {
            throw Problem.notFound("no dead letter '\(id)' in '\(projector.name)' (already redriven or skipped?)")
        }
        return entry
    }

    private func append(_ record: OutgoingRecord, action: String, projection: String, entry: String?) async throws -> Response {
        let coordinates: RecordCoordinates
        do {
            coordinates = try await log.produce(record, to: DeadLetterEvents.topic)
        } catch {
            throw Problem(.unavailable, "could not append the \(action) request to \(DeadLetterEvents.topic); retry")
        }
        return .json(
            .object([
                "action": .string(action), "projection": .string(projection), "entry": entry.map(JSONValue.string) ?? .null,
                "all": .bool(entry == nil),
                "request": .object([
                    "topic": .string(coordinates.topic), "partition": .int(Int64(coordinates.partition)), "offset": .int(coordinates.offset),
                ]),
            ]), status: .accepted)
    }

    // MARK: Admission

    /// The operations service and the projection the path names, once the caller is known to be
    /// platform-level: 403 for a tenant-confined principal (before anything about projections is
    /// told), 503 without the service, 404 for an unknown projection.
    private func admit(_ context: GatewayContext) throws -> (ProjectionOperations, any Projector) {
        try context.requirePrincipal().requirePlatformScope("a projection operation")
        guard let operations else {
            throw Problem(.unavailable, "projection operations are not enabled on this gateway")
        }
        let name = try context.parameters.require("name")
        guard let projector = operations.projector(named: name) else {
            throw Problem.notFound("no projection '\(name)' (known: \(operations.projectors.map(\.name).joined(separator: ", ")))")
        }
        return (operations, projector)
    }
}
