import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import KeelCore
import KeelLog
import Logging
import NIOCore
import NIOWebSocket
import ServiceLifecycle
import Synchronization

/// How live streams behave.
public struct SubscriptionConfiguration: Sendable {
    /// Bytes of messages a subscriber may fall behind before it is disconnected (it then resumes
    /// from its last position).
    public var bufferCapacityBytes = 1 << 20
    /// SSE comment lines keep idle connections (and proxies) alive.
    public var heartbeat: Duration = .seconds(15)
    /// How long a disconnected slow consumer has to read its backlog, which the 4008 close frame
    /// queues behind, before the connection is dropped without it.
    public var slowConsumerCloseGrace: Duration = .seconds(10)
    /// Concurrent streams per credential, per tenant and per instance (429 past them).
    public var limits = StreamLimits()
    /// How often open streams' credentials are re-checked: a revoked or expired key, a suspended
    /// tenant or an expired token ends its streams within this interval.
    public var revalidationInterval: Duration = .milliseconds(250)

    public init() {}
}

/// `GET /v1/subscribe` (WebSocket) and `GET /v1/stream` (Server-Sent Events): one topic of the
/// caller's tenant, live, filtered by key and type, resumable from the last position seen.
struct SubscriptionController {
    /// Close code for a subscriber that fell `bufferCapacityBytes` behind.
    static let slowConsumerCloseCode = 4008
    /// Close code for a stream whose credential stopped being valid (revoked, expired, suspended).
    static let credentialCloseCode = 4401

    let hub: LiveHub
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
                let (subscription, _, principal) = try await streamRequest(request, context)
                // Refused before the upgrade, as a 429 problem; the slot itself is taken below.
                try hub.admit(principal, tenant: subscription.tenant).release()
                return .upgrade([:])
            },
            onUpgrade: { inbound, outbound, context in
                try await serveWebSocket(inbound: inbound, outbound: outbound, context: context)
            })
        routes.on(GatewayRoutes.subscribe) { request, context in
            let (subscription, _, principal) = try await streamRequest(request, context)
            try hub.admit(principal, tenant: subscription.tenant).release()
            throw Problem(
                .upgradeRequired,
                "GET /v1/subscribe is a WebSocket endpoint (send Upgrade: websocket); GET /v1/stream serves the same as Server-Sent Events",
                headers: [.upgrade: "websocket"])
        }
        routes.on(GatewayRoutes.stream) { request, context in try await serveSSE(request, context) }
    }

    /// The validated subscription of a request: what to read, which partitions, and who asks.
    func streamRequest(_ request: Request, _ context: GatewayContext) async throws -> (LiveStreamRequest, [Int32], Principal) {
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
        let count: Int32
        do {
            count = try await hub.partitionCount(of: topic)
        } catch {
            throw Problem(.unavailable, "the log is unavailable; retry")
        }
        return (streamRequest, try LiveStreamReader.partitions(for: streamRequest, count: count), principal)
    }

    // MARK: WebSocket

    func serveWebSocket(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, context: WebSocketRouterContext<GatewayContext>)
        async throws
    {
        let (request, partitions, principal) = try await streamRequest(context.request, context.requestContext)
        let slot: StreamSlot
        do {
            slot = try hub.admit(principal, tenant: request.tenant)
        } catch {
            try? await closeWithin(.seconds(2), outbound, code: 1013, reason: "too many live streams; retry later")
            return
        }
        defer { slot.release() }
        let buffer = SubscriberBuffer(capacityBytes: configuration.bufferCapacityBytes)
        enum Ending { case bufferDone, clientGone }
        // A live stream never ends by itself: at shutdown it must, or draining would wait for
        // every subscriber to leave. Subscribers resume from their last position.
        let ending = try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Ending?.self) { group in
                group.addTask {
                    await subscribe(slot, request, partitions, buffer)
                    return nil
                }
                group.addTask {
                    for try await _ in inbound {}
                    buffer.finish(.clientGone)
                    return .clientGone
                }
                group.addTask {
                    while let item = await buffer.next() {
                        guard case .event(let message) = item else { continue }
                        try await outbound.write(.text(message.text))
                    }
                    return .bufferDone
                }
                var first: Ending?
                while first == nil, let next = try await group.next() { first = next }
                group.cancelAll()
                return first ?? .clientGone
            }
        } onGracefulShutdown: {
            buffer.finish(.shutdown)
        }
        guard ending != .clientGone else { return }
        switch buffer.end {
        case .slowConsumer?:
            logger.notice("subscription to \(request.topic) closed: slow consumer")
            try? await closeWithin(
                configuration.slowConsumerCloseGrace, outbound, code: Self.slowConsumerCloseCode,
                reason: "slow consumer: resume from your last keelposition")
        case .credentialInvalid(let reason)?:
            try? await closeWithin(.seconds(2), outbound, code: Self.credentialCloseCode, reason: String(reason.prefix(120)))
        case .failed?:
            try? await closeWithin(.seconds(2), outbound, code: 1011, reason: "the log could not be read; resume from your last keelposition")
        default:
            try? await closeWithin(.seconds(2), outbound, code: 1001, reason: "server shutting down")
        }
    }

    /// Runs the subscription into `buffer`; a failure to start or catch up ends the stream.
    private func subscribe(_ slot: StreamSlot, _ request: LiveStreamRequest, _ partitions: [Int32], _ buffer: SubscriberBuffer) async {
        do {
            try await hub.subscribe(slot.id, request, partitions: partitions, into: buffer)
            buffer.offer(.joined)
        } catch is CancellationError {
            buffer.finish(.clientGone)
        } catch let error as EventLogError where error.code == .closed {
            buffer.finish(.shutdown)
        } catch {
            logger.warning("live stream of \(request.topic) failed: \(error)")
            buffer.finish(.failed("\(error)"))
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
        let (streamRequest, partitions, principal) = try await streamRequest(request, context)
        let slot = try hub.admit(principal, tenant: streamRequest.tenant)
        let buffer = SubscriberBuffer(capacityBytes: configuration.bufferCapacityBytes)
        let heartbeat = configuration.heartbeat
        let logger = self.logger
        let body = ResponseBody { writer in
            defer {
                buffer.finish(.clientGone)
                slot.release()
            }
            try await writer.write(ByteBuffer(string: "retry: 1000\n\n"))
            try await withGracefulShutdownHandler {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { await subscribe(slot, streamRequest, partitions, buffer) }
                    group.addTask {
                        // Idle streams (and the proxies in between) are kept alive; a client that has
                        // left is found out by the write.
                        while !Task.isCancelled {
                            try await Task.sleep(for: heartbeat)
                            guard buffer.offer(.heartbeat) else { return }
                        }
                    }
                    while let item = await buffer.next() {
                        switch item {
                        case .event(let message): try await writer.write(message.sseFrame)
                        case .heartbeat: try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                        case .joined: try await writer.write(ByteBuffer(string: ": subscribed to \(streamRequest.topic)\n\n"))
                        }
                    }
                    group.cancelAll()
                }
            } onGracefulShutdown: {
                buffer.finish(.shutdown)
            }
            switch buffer.end {
            case .slowConsumer?:
                logger.notice("stream of \(streamRequest.topic) closed: slow consumer")
                // Ending the response makes EventSource reconnect with Last-Event-ID.
                try await writer.write(ByteBuffer(string: "event: keel.slow-consumer\ndata: {\"resume\":\"reconnect with Last-Event-ID\"}\n\n"))
            case .credentialInvalid(let reason)?:
                try await writer.write(Self.closedFrame(reason))
            case .failed?:
                try await writer.write(Self.closedFrame("the log could not be read; reconnect with Last-Event-ID"))
            default:
                break
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-store", HTTPField.Name("X-Accel-Buffering")!: "no"],
            body: body)
    }

    /// `event: keel.closed` with the reason: the server ended the stream and will refuse a reconnect
    /// with the same credential.
    static func closedFrame(_ reason: String) -> ByteBuffer {
        var buffer = ByteBuffer(string: "event: keel.closed\ndata: ")
        buffer.writeBytes(JSONValue.object(["reason": .string(reason)]).serialized())
        buffer.writeString("\n\n")
        return buffer
    }
}
