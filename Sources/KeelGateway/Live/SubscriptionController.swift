import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import KeelCore
import KeelLog
import Logging
import NIOCore
import NIOWebSocket
import Synchronization

/// How live streams behave.
public struct SubscriptionConfiguration: Sendable {
    /// Messages a subscriber may fall behind before it is disconnected (it then resumes).
    public var bufferCapacity = 1000
    /// SSE comment lines keep idle connections (and proxies) alive.
    public var heartbeat: Duration = .seconds(15)
    /// How long a disconnected slow consumer has to read its backlog, which the 4008 close frame
    /// queues behind, before the connection is dropped without it.
    public var slowConsumerCloseGrace: Duration = .seconds(10)

    public init() {}
}

/// `GET /v1/subscribe` (WebSocket) and `GET /v1/stream` (Server-Sent Events): one topic of the
/// caller's tenant, live, filtered by key and type, resumable from the last position seen.
struct SubscriptionController {
    /// Close code for a subscriber that fell `bufferCapacity` messages behind.
    static let slowConsumerCloseCode = 4008

    let log: any EventLog
    /// Only the catalog's tenant-readable topics can be followed, and only the caller's records.
    let catalog: TopicCatalog
    let configuration: SubscriptionConfiguration
    let logger: Logger

    func register(on routes: RouteRegistrar, webSocketRouter: Router<GatewayContext>) {
        // The WebSocket router only upgrades; anything it refuses (bad credential, bad query)
        // falls through to the HTTP route below, which answers with the problem.
        webSocketRouter.add(middleware: RouteGuardMiddleware(spec: GatewayRoutes.subscribe, routeGuard: routes.routeGuard))
        webSocketRouter.ws(
            RouterPath(GatewayRoutes.subscribe.routerPath),
            shouldUpgrade: { request, context in
                _ = try await streamRequest(request, context)
                return .upgrade([:])
            },
            onUpgrade: { inbound, outbound, context in
                try await serveWebSocket(inbound: inbound, outbound: outbound, context: context)
            })
        routes.on(GatewayRoutes.subscribe) { request, context in
            _ = try await streamRequest(request, context)
            throw Problem(
                .upgradeRequired, "GET /v1/subscribe is a WebSocket endpoint (send Upgrade: websocket); GET /v1/stream serves the same as Server-Sent Events",
                headers: [.upgrade: "websocket"])
        }
        routes.on(GatewayRoutes.stream) { request, context in try await serveSSE(request, context) }
    }

    /// The validated subscription of a request.
    func streamRequest(_ request: Request, _ context: GatewayContext) async throws -> (LiveStreamRequest, [Int32]) {
        let principal = try context.requirePrincipal()
        let tenant = try principal.actingTenant(requested: request.requestedTenant)
        guard let topic = request.query("topic") else { throw Problem.badRequest("topic is required", field: "topic") }
        guard catalog.isTenantReadable(topic) else {
            if catalog.topic(named: topic) == nil {
                throw Problem.notFound("no topic '\(topic)' in the catalog (see GET /openapi.json and `keel topics list`)")
            }
            throw Problem.forbidden("'\(topic)' is internal to Keel and cannot be subscribed to")
        }
        let fromText = request.headers[HTTPField.Name("Last-Event-ID")!] ?? request.query("from") ?? "latest"
        guard let start = LiveStart(parsing: fromText) else {
            throw Problem.badRequest(
                "from must be latest, earliest, an RFC 3339 time or a position from a previous event; got '\(fromText)'", field: "from")
        }
        var key = request.query("key")
        if let id = key, catalog.topic(named: topic)?.key.tenantScoped == true {
            // Records of this topic are keyed `<tenant>/<id>`; subscribers name the id.
            let prefix = tenant + KeyRule.tenantSeparator
            key = id.hasPrefix(prefix) ? id : prefix + id
        }
        let streamRequest = LiveStreamRequest(topic: topic, tenant: tenant, key: key, type: request.query("type"), start: start)
        let partitions = try await LiveStreamReader.partitions(for: streamRequest, in: log)
        return (streamRequest, partitions)
    }

    // MARK: WebSocket

    func serveWebSocket(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, context: WebSocketRouterContext<GatewayContext>) async throws {
        let (request, partitions) = try await streamRequest(context.request, context.requestContext)
        let reader = LiveStreamReader(log: log, request: request, logger: logger)
        let (stream, continuation) = AsyncStream.makeStream(of: LiveItem.self, bufferingPolicy: .bufferingOldest(configuration.bufferCapacity))
        let overflow = OverflowFlag()
        enum Ending { case readerDone, clientGone, writerDone }
        let ending = try await withThrowingTaskGroup(of: Ending.self) { group in
            group.addTask {
                // A failure ends the subscription with 1011; the client resumes from its last position.
                try await reader.run(partitions: partitions, into: continuation, overflowed: overflow, heartbeat: nil)
                return .readerDone
            }
            group.addTask {
                for try await _ in inbound {}
                return .clientGone
            }
            group.addTask {
                // The reader ends the stream at shutdown: the subscriber then gets 1001.
                for await item in stream {
                    if overflow.isSet { break }
                    guard case .event(let message) = item else { continue }
                    try await outbound.write(.text(String(decoding: message.json, as: UTF8.self)))
                }
                return .writerDone
            }
            let first = try await group.next() ?? .clientGone
            if first == .readerDone, !overflow.isSet {
                // The log closed (shutdown): let the writer deliver what is buffered.
                _ = try await group.next()
            }
            group.cancelAll()
            return first
        }
        if overflow.isSet {
            logger.notice("subscription to \(request.topic) closed: slow consumer")
            try? await closeWithin(
                configuration.slowConsumerCloseGrace, outbound, code: Self.slowConsumerCloseCode,
                reason: "slow consumer: resume from your last keelposition")
        } else if ending != .clientGone {
            try? await closeWithin(.seconds(2), outbound, code: 1001, reason: "server shutting down")
        }
    }

    /// The close frame queues behind what the socket still holds; a client that never reads
    /// would keep it waiting forever, so it gets `grace` to arrive.
    private func closeWithin(_ grace: Duration, _ outbound: WebSocketOutboundWriter, code: Int, reason: String) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await outbound.close(.init(codeNumber: code), reason: reason) }
            group.addTask { try await Task.sleep(for: grace) }
            _ = try await group.next()
            group.cancelAll()
        }
    }

    // MARK: Server-Sent Events

    func serveSSE(_ request: Request, _ context: GatewayContext) async throws -> Response {
        let (streamRequest, partitions) = try await streamRequest(request, context)
        let reader = LiveStreamReader(log: log, request: streamRequest, logger: logger)
        let capacity = configuration.bufferCapacity
        let heartbeat = configuration.heartbeat
        let logger = self.logger
        let body = ResponseBody { writer in
            let (stream, continuation) = AsyncStream.makeStream(of: LiveItem.self, bufferingPolicy: .bufferingOldest(capacity))
            let overflow = OverflowFlag()
            try await writer.write(ByteBuffer(string: "retry: 1000\n: subscribed to \(streamRequest.topic)\n\n"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    // A failure (logged by the reader) or shutdown ends the stream; the response
                    // has started, so ending it is all that is left: EventSource reconnects with
                    // Last-Event-ID.
                    try? await reader.run(partitions: partitions, into: continuation, overflowed: overflow, heartbeat: heartbeat)
                }
                for await item in stream {
                    if overflow.isSet { break }
                    switch item {
                    case .event(let message): try await writer.write(Self.sseFrame(message))
                    case .heartbeat: try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                    }
                }
                group.cancelAll()
            }
            if overflow.isSet {
                logger.notice("stream of \(streamRequest.topic) closed: slow consumer")
                // Ending the response makes EventSource reconnect with Last-Event-ID.
                try await writer.write(ByteBuffer(string: "event: keel.slow-consumer\ndata: {\"resume\":\"reconnect with Last-Event-ID\"}\n\n"))
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-store", HTTPField.Name("X-Accel-Buffering")!: "no"],
            body: body)
    }

    static func sseFrame(_ message: LiveMessage) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeString("id: \(message.position)\n")
        buffer.writeString("data: ")
        buffer.writeBytes(message.json)
        buffer.writeString("\n\n")
        return buffer
    }
}

/// Set by the reader when the subscriber's buffer overflowed; read by the writer.
public final class OverflowFlag: Sendable {
    private let value = Atomic<Bool>(false)
    public init() {}
    public var isSet: Bool { value.load(ordering: .sequentiallyConsistent) }
    public func set() { value.store(true, ordering: .sequentiallyConsistent) }
}
