import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import HummingbirdWSClient
import KeelCore
import KeelGateway
import KeelTestSupport
import Logging
import NIOCore
import Synchronization
import Testing

/// Reads messages from a WebSocket subscription until `stop` says so or the server closes;
/// fails, naming the query and what arrived, if that takes longer than `limit`.
func subscribe(
    port: Int, query: String, token: String, limit: Duration = .seconds(30),
    waitBeforeReading: (@Sendable () async throws -> Void)? = nil,
    stop: @escaping @Sendable ([JSONValue]) -> Bool
) async throws -> (messages: [JSONValue], close: WebSocketCloseFrame?) {
    let received = Mutex<[JSONValue]>([])
    let close: WebSocketCloseFrame?
    do {
        close = try await withDeadline(limit, "subscription ?\(query)") {
            try await WebSocketClient.connect(
                url: "ws://127.0.0.1:\(port)/v1/subscribe?\(query)",
                configuration: .init(maxFrameSize: 1 << 22, additionalHeaders: [.authorization: "Bearer \(token)"]),
                logger: quietLogger()
            ) { inbound, outbound, _ in
                if let waitBeforeReading { try await waitBeforeReading() }
                for try await message in inbound.messages(maxSize: 1 << 22) {
                    guard case .text(let text) = message else { continue }
                    let json = try JSONValue.parse(Array(text.utf8))
                    let done = received.withLock { messages -> Bool in
                        messages.append(json)
                        return stop(messages)
                    }
                    if done {
                        try await outbound.close(.normalClosure, reason: nil)
                        break
                    }
                }
            }
        }
    } catch let error as DeadlineExceeded {
        let ids = received.withLock { $0.compactMap { $0["id"]?.stringValue } }
        throw DeadlineExceeded(step: "\(error.step) (received \(ids.count): \(ids.suffix(5)))", limit: error.limit)
    }
    return (received.withLock { $0 }, close)
}

/// One Server-Sent Event: its id and parsed data.
struct SSEFrame: Sendable {
    var id: String?
    var data: JSONValue
}

/// Reads `events` Server-Sent Events from `/v1/stream`, then disconnects; fails if that takes
/// longer than `limit`. `onFrame` sees the count after each event.
func readSSE(
    port: Int, query: String, token: String, lastEventID: String?, events: Int, limit: Duration = .seconds(30),
    onFrame: @escaping @Sendable (Int) -> Void = { _ in }
) async throws -> [SSEFrame] {
    var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/stream?\(query)")
    request.headers.add(name: "Authorization", value: "Bearer \(token)")
    if let lastEventID { request.headers.add(name: "Last-Event-ID", value: lastEventID) }
    return try await withDeadline(limit, "SSE stream ?\(query)") { [request] in
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        #expect(response.status == .ok)
        #expect(response.headers.first(name: "Content-Type") == "text/event-stream")
        var text = ""
        var frames: [SSEFrame] = []
        for try await chunk in response.body {
            text += String(buffer: chunk)
            while let end = text.range(of: "\n\n") {
                let block = String(text[..<end.lowerBound])
                text = String(text[end.upperBound...])
                var id: String?
                var data: String?
                for line in block.split(separator: "\n") {
                    if line.hasPrefix("id: ") { id = String(line.dropFirst(4)) }
                    if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
                }
                if let data {
                    frames.append(SSEFrame(id: id, data: try JSONValue.parse(Array(data.utf8))))
                    onFrame(frames.count)
                }
            }
            if frames.count >= events { break }
        }
        return frames
    }
}

@Suite("Live subscriptions")
struct SubscriptionTests {
    @Test("WebSocket: filtered, tenant-scoped, and resumable without gaps or duplicates; SSE resumes with Last-Event-ID")
    func resume() async throws {
        let harness = try await Harness()
        try await harness.withLive { client in
            let port = try #require(client.port)
            try await client.createTenant("acme")
            try await client.createTenant("globex")
            let acme = try await client.createKey(tenant: "acme", roles: ["producer", "reader"])
            let globex = try await client.createKey(tenant: "globex", roles: ["producer", "reader"])
            for index in 0..<3 {
                _ = try await client.post(event: structuredEvent(id: "a\(index)", type: "com.acme.order.placed"), token: acme)
                _ = try await client.post(event: structuredEvent(id: "x\(index)", type: "com.acme.other"), token: acme)
            }
            _ = try await client.post(event: structuredEvent(id: "g0", type: "com.acme.order.placed"), token: globex)
            let first = try await subscribe(port: port, query: "topic=keel.external&type=com.acme.order.placed&from=earliest", token: acme) {
                $0.count == 3
            }
            #expect(first.messages.compactMap { $0["id"]?.stringValue } == ["a0", "a1", "a2"])
            #expect(first.messages.allSatisfy { $0["tenantid"]?.stringValue == "acme" })
            let position = try #require(first.messages.last?["keelposition"]?.stringValue)
            for index in 3..<5 {
                _ = try await client.post(event: structuredEvent(id: "a\(index)", type: "com.acme.order.placed"), token: acme)
            }
            let second = try await subscribe(port: port, query: "topic=keel.external&type=com.acme.order.placed&from=\(position)", token: acme) {
                $0.count == 2
            }
            #expect(second.messages.compactMap { $0["id"]?.stringValue } == ["a3", "a4"])
            // Live from `latest` (the default): none of the history, then what is posted once the
            // subscription stands. When it stands is not observable from here (the server sends
            // nothing on subscribing), so instead of guessing with a sleep, events are posted until
            // one arrives: the first to arrive must be one of them, never an older event.
            let arrived = Mutex(false)
            let live = Task {
                try await subscribe(port: port, query: "topic=keel.external&key=test", token: acme, limit: .seconds(60)) { messages in
                    arrived.withLock { $0 = true }
                    return messages.count == 1
                }
            }
            var livePosted: [String] = []
            let postingEnds = ContinuousClock.now + .seconds(60)
            while !arrived.withLock({ $0 }), ContinuousClock.now < postingEnds {
                let id = "live\(livePosted.count)"
                #expect(try await client.post(event: structuredEvent(id: id), token: acme).status == .accepted)
                livePosted.append(id)
                try await Task.sleep(for: .milliseconds(100))  // pacing only: any arrival order passes
            }
            let liveID = try await live.value.messages.first?["id"]?.stringValue
            #expect(
                liveID.map(livePosted.contains) == true,
                "from=latest delivered \(liveID ?? "nothing") first; \(livePosted.count) live events were posted")
            // SSE: the same stream; Last-Event-ID resumes after the last event seen.
            let frames = try await readSSE(
                port: port, query: "topic=keel.external&type=com.acme.order.placed", token: acme, lastEventID: position, events: 2)
            #expect(frames.map { $0.data["id"]?.stringValue } == ["a3", "a4"])
            #expect(frames.last?.id == frames.last?.data["keelposition"]?.stringValue)
            // Refusals happen before the upgrade, as problems.
            expectProblem(try await client.call(.get, "/v1/subscribe?topic=keel.external&tenant=globex", token: acme), .forbidden, "forbidden")
            expectProblem(try await client.call(.get, "/v1/subscribe?topic=keel.external", token: "keel_bad"), .unauthorized, "unauthorized")
            expectProblem(try await client.call(.get, "/v1/subscribe?topic=keel.apikeys", token: acme), .forbidden, "forbidden")
            expectProblem(
                try await client.call(.get, "/v1/subscribe?topic=keel.external&from=yesterday", token: acme), .badRequest, "invalid-request")
            expectProblem(try await client.call(.get, "/v1/subscribe?topic=keel.external", token: acme), .upgradeRequired, "upgrade-required")
            let producerOnly = try await client.createKey(tenant: "acme", roles: ["producer"])
            expectProblem(try await client.call(.get, "/v1/subscribe?topic=keel.external", token: producerOnly), .forbidden, "forbidden")
            await #expect(throws: (any Error).self) {
                _ = try await subscribe(port: port, query: "topic=keel.external&tenant=globex", token: acme) { _ in true }
            }
        }
        await harness.remove()
    }

    @Test("a slow consumer is disconnected instead of buffered without bound, and resumes without loss")
    func slowConsumer() async throws {
        let harness = try await Harness { configuration in
            configuration.subscriptions.bufferCapacityBytes = 4 * 200_200  // about four of these events
            configuration.rateLimits.enabled = false
        }
        try await harness.withLive { client in
            let port = try #require(client.port)
            try await client.createTenant("acme")
            let acme = try await client.createKey(tenant: "acme", roles: ["producer", "reader"])
            let payload = "\"" + String(repeating: "z", count: 200_000) + "\""
            let total = 120
            let posted = Mutex(false)
            async let firstRun = subscribe(
                // From the start of this harness's own log: 'latest' would race the first post.
                port: port, query: "topic=keel.external&from=earliest", token: acme, limit: .seconds(90),
                waitBeforeReading: {
                    // Do not read while the events are posted: the server must not buffer them all.
                    while !posted.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(50)) }
                },
                stop: { $0.count == total })
            for index in 0..<total {
                let response = try await client.post(event: structuredEvent(id: "big\(index)", data: payload), token: acme)
                #expect(response.status == .accepted)
            }
            posted.withLock { $0 = true }
            let first = try await firstRun
            #expect(first.messages.count < total, "the slow subscriber was never disconnected")
            // The close frame waits behind the backlog the client had not read: it still arrives.
            #expect(first.close?.closeCode == .unknown(4008), "close: \(String(describing: first.close))")
            // Resume from the last position seen until everything arrived; with a 4-message buffer a
            // resume that reads a backlog may itself be cut off, but each one makes progress.
            var messages = first.messages
            for _ in 0..<40 where messages.count < total {
                let resumeFrom = messages.last?["keelposition"]?.stringValue ?? "earliest"
                let already = messages.count
                let next = try await subscribe(port: port, query: "topic=keel.external&from=\(resumeFrom)", token: acme) {
                    already + $0.count >= total
                }
                messages += next.messages
            }
            let ids = messages.compactMap { $0["id"]?.stringValue }
            #expect(ids.count == total)
            #expect(Set(ids) == Set((0..<total).map { "big\($0)" }))
        }
        await harness.remove()
    }

    @Test("graceful shutdown ends live streams instead of waiting for their subscribers to leave")
    func shutdownEndsStreams() async throws {
        let harness = try await Harness()
        let streams = Mutex<[Task<Int, any Error>]>([])
        let closes = Mutex<[Task<WebSocketCloseFrame?, any Error>]>([])
        // How many of the two subscribers hold the one event: the server is stopped only then,
        // so the test is about shutdown, not about how fast a loaded machine delivers.
        final class Holding: Sendable { let count = Mutex(0) }
        let holding = Holding()
        try await harness.withLive { client in
            let port = try #require(client.port)
            try await client.createTenant("acme")
            let acme = try await client.createKey(tenant: "acme", roles: ["producer", "reader"])
            _ = try await client.post(event: structuredEvent(id: "e0"), token: acme)
            // Subscribers that would wait for far more than will ever arrive.
            streams.withLock {
                $0.append(
                    Task {
                        try await readSSE(
                            port: port, query: "topic=keel.external&from=earliest", token: acme, lastEventID: nil, events: 1000,
                            onFrame: { if $0 == 1 { holding.count.withLock { $0 += 1 } } }
                        ).count
                    })
            }
            closes.withLock {
                $0.append(
                    Task {
                        try await subscribe(port: port, query: "topic=keel.external&from=earliest", token: acme) { messages in
                            if messages.count == 1 { holding.count.withLock { $0 += 1 } }
                            return messages.count == 1000
                        }.close
                    })
            }
            try await withDeadline(.seconds(20), "both subscribers receive the first event") {
                while holding.count.withLock({ $0 }) < 2 { try await Task.sleep(for: .milliseconds(20)) }
            }
        }
        // The server has shut down: each stream ended with what it had, well before its deadline.
        for stream in streams.withLock({ $0 }) {
            #expect(try await stream.value == 1)
        }
        for close in closes.withLock({ $0 }) {
            let frame = try await close.value
            #expect([.goingAway, .normalClosure].contains(frame?.closeCode), "close: \(String(describing: frame))")
        }
        await harness.remove()
    }
}
