import ArgumentParser
import AsyncHTTPClient
import Foundation
import HummingbirdWSClient
import KeelCore
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// `keel demo --url URL --admin-key KEY`: what the README's curl lines do, against a running
/// gateway — create a tenant and a key, subscribe over WebSocket, post events (one structured, one
/// batch, one retried), watch them arrive live, then query the `activity` analytics.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Walk through the gateway against a running `keel serve`.")

    @Option(help: "The gateway URL printed by keel serve.") var url = "http://127.0.0.1:8080"
    @Option(name: .customLong("admin-key"), help: "An admin credential (env KEEL_ADMIN_KEY).") var adminKey: String?

    func run() async throws {
        guard let admin = adminKey ?? ProcessInfo.processInfo.environment["KEEL_ADMIN_KEY"] else {
            throw CLIFailure.usage("--admin-key (or KEEL_ADMIN_KEY) is required: use the key keel serve printed at first start")
        }
        let base = url.hasSuffix("/") ? String(url.dropLast()) : url
        let tenant = "demo-\(UUID().uuidString.prefix(6).lowercased())"
        Output.line("== POST /v1/tenants  {tenantId: \(tenant)}")
        let created = try await call(.POST, "\(base)/v1/tenants", token: admin, body: #"{"tenantId":"\#(tenant)","name":"Demo"}"#)
        Output.line(created.jsonString)
        Output.line("== POST /v1/tenants/\(tenant)/keys  {roles: [producer, reader]}")
        let key = try await call(.POST, "\(base)/v1/tenants/\(tenant)/keys", token: admin, body: #"{"name":"demo","roles":["producer","reader"]}"#)
        guard let secret = key["secret"]?.stringValue else { throw CLIFailure.runtime("no secret in \(key.jsonString)") }
        Output.line("key \(key["keyId"]?.stringValue ?? "?") (secret shown once): \(secret)")

        let wsURL = base.replacingOccurrences(of: "http://", with: "ws://").replacingOccurrences(of: "https://", with: "wss://")
        let received = MessageLog()
        let expected = 4
        Output.line("== GET /v1/subscribe?topic=keel.external (WebSocket), then POST /v1/events")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await WebSocketClient.connect(
                    url: "\(wsURL)/v1/subscribe?topic=keel.external&type=com.example.*",
                    configuration: .init(maxFrameSize: 1 << 21, additionalHeaders: [.authorization: "Bearer \(secret)"]),
                    logger: Logger(label: "keel.demo", factory: { _ in SwiftLogNoOpLogHandler() })
                ) { inbound, outbound, _ in
                    for try await message in inbound.messages(maxSize: 1 << 21) {
                        guard case .text(let text) = message else { continue }
                        Output.line("  live ← \(text)")
                        if received.append(text) >= expected {
                            try await outbound.close(.normalClosure, reason: nil)
                            return
                        }
                    }
                }
            }
            try await Task.sleep(for: .milliseconds(500))
            let first = #"{"specversion":"1.0","id":"order-1","source":"demo","type":"com.example.order.placed","data":{"total":"12.50"}}"#
            Output.line("  POST structured → \(try await post(base, secret, "application/cloudevents+json", first).jsonString)")
            Output.line("  POST the same again → \(try await post(base, secret, "application/cloudevents+json", first).jsonString)")
            let batch = (2...4).map {
                #"{"specversion":"1.0","id":"order-\#($0)","source":"demo","type":"com.example.order.placed","data":{"n":\#($0)}}"#
            }
            Output.line(
                "  POST batch of 3 → \(try await post(base, secret, "application/cloudevents-batch+json", "[\(batch.joined(separator: ","))]").jsonString)"
            )
            group.addTask {
                try await Task.sleep(for: .seconds(10))
                throw CLIFailure.runtime("the WebSocket did not deliver the events within 10 s")
            }
            // The subscriber finishing first means every event arrived; the timer first, that one did not.
            try await group.next()
            group.cancelAll()
        }
        Output.line("== GET /v1/analytics/activity?bucket=hour  (the projector catches up in well under a second)")
        try await Task.sleep(for: .seconds(1))
        Output.line(try await call(.GET, "\(base)/v1/analytics/activity?bucket=hour", token: secret).jsonString)
    }

    private func post(_ base: String, _ token: String, _ contentType: String, _ body: String) async throws -> JSONValue {
        try await call(.POST, "\(base)/v1/events", token: token, body: body, contentType: contentType)
    }

    private func call(_ method: HTTPMethod, _ url: String, token: String, body: String? = nil, contentType: String = "application/json") async throws
        -> JSONValue
    {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 22)
        let json = (try? JSONValue.parse(Array(bytes.readableBytesView))) ?? .string(String(buffer: bytes))
        guard (200..<300).contains(Int(response.status.code)) else {
            throw CLIFailure.runtime("\(method) \(url) → \(response.status.code): \(json.jsonString)")
        }
        return json
    }
}

/// The messages the demo's subscriber received (shared with its WebSocket handler).
final class MessageLog: Sendable {
    private let messages = Mutex<[String]>([])

    /// Appends and returns how many there are now.
    func append(_ message: String) -> Int {
        messages.withLock { messages in
            messages.append(message)
            return messages.count
        }
    }
}
