import AsyncHTTPClient
import Foundation
import KeelCore
import KeelTestSupport
import NIOCore
import NIOHTTP1
import Testing

extension ProductionTests {
    @Test(
        "keel serve (all roles) on Kafka + MongoDB: tenant, key, ingest with dedupe, analytics and an SSE stream",
        .timeLimit(.minutes(3)))
    func gatewayOnKafkaAndMongo() async throws {
        guard let servers = ProductionServers.available() else { return }
        let env = try await ProductionEnvironment(servers)
        defer { Task.detached { await env.close() } }
        // The internal topics the gateway needs, the open ingest topic, and this test's own topic.
        let catalog = try env.testCatalog(
            required: ["orderId"], sharing: ["keel.tenants", "keel.apikeys", "keel.audit", "keel.deadletter", "keel.external"])
        defer { catalog.remove() }
        let adminKey = "prod-admin-\(UUID().uuidString)"
        let keel = KeelProcess(
            log: "kafka:\(servers.kafka)",
            extraEnvironment: ["KEEL_STORE": env.storeURI, "KEEL_TOPICS": catalog.path, "KEEL_ADMIN_KEY": adminKey])
        let serve = try keel.start(["serve", "--listen", "127.0.0.1:0"])
        var stopped = false
        defer { if !stopped { serve.kill(signal: SIGKILL) } }
        try #require(
            await serve.waitForOutput(timeout: .seconds(60)) { $0.contains("keel serve: ready") }, "serve never got ready: \(serve.stderrSoFar)")
        let base = try #require(
            serve.stdoutSoFar.split(separator: "\n").first { $0.hasPrefix("listening on ") }.map { String($0.dropFirst("listening on ".count)) })
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            func call(_ method: HTTPMethod, _ path: String, token: String, contentType: String = "application/json", body: String? = nil)
                async throws -> (status: Int, json: JSONValue)
            {
                var request = HTTPClientRequest(url: base + path)
                request.method = method
                request.headers.add(name: "Authorization", value: "Bearer \(token)")
                if let body {
                    request.headers.add(name: "Content-Type", value: contentType)
                    request.body = .bytes(ByteBuffer(string: body))
                }
                let response = try await http.execute(request, timeout: .seconds(30))
                let bytes = try await response.body.collect(upTo: 1 << 22)
                return (Int(response.status.code), (try? JSONValue.parse(Array(bytes.readableBytesView))) ?? .null)
            }
            let tenant = uniqueName("acme")
            let created = try await call(.POST, "/v1/tenants", token: adminKey, body: #"{"tenantId":"\#(tenant)","name":"Acme"}"#)
            #expect(created.status == 201, "\(created.json)")
            let key = try await call(.POST, "/v1/tenants/\(tenant)/keys", token: adminKey, body: #"{"name":"prod","roles":["producer","reader"]}"#)
            let secret = try #require(key.json["secret"]?.stringValue, "\(key.json)")

            // Ingest to the catalog's home topic on Kafka; a retry is answered from the dedupe state.
            let event =
                #"{"specversion":"1.0","id":"o-1","source":"shop","type":"com.example.order.placed","partitionkey":"o-1","data":{"orderId":"o-1"}}"#
            let first = try await call(.POST, "/v1/events", token: secret, contentType: "application/cloudevents+json", body: event)
            #expect(first.status == 202, "\(first.json)")
            #expect(first.json["topic"]?.stringValue == env.topic)
            #expect(first.json["duplicate"] == .bool(false))
            let retry = try await call(.POST, "/v1/events", token: secret, contentType: "application/cloudevents+json", body: event)
            #expect(retry.status == 202)
            #expect(retry.json["duplicate"] == .bool(true))
            #expect(retry.json["offset"] == first.json["offset"] && retry.json["partition"] == first.json["partition"])
            // Bad input is refused before it reaches Kafka.
            let bad = try await call(
                .POST, "/v1/events", token: secret, contentType: "application/cloudevents+json",
                body: #"{"specversion":"1.0","id":"o-2","source":"shop","type":"com.example.order.placed","partitionkey":"o-2","data":{}}"#)
            #expect(bad.status == 400)

            // The projector on MongoDB counts it once; the query API reads it for the tenant.
            #expect(
                try await eventually(timeout: .seconds(60)) {
                    let activity = try await call(.GET, "/v1/analytics/activity?type=com.example.order.placed", token: secret)
                    return activity.json["total"]?.intValue == 1
                }, "the activity analytics never counted the event")

            // A live stream over Kafka delivers it with its coordinates.
            var stream = HTTPClientRequest(url: base + "/v1/stream?topic=\(env.topic)&from=earliest")
            stream.headers.add(name: "Authorization", value: "Bearer \(secret)")
            let delivered = try await withDeadline(.seconds(30), "SSE stream on Kafka") { [stream] in
                let response = try await http.execute(stream, timeout: .seconds(30))
                var text = ""
                for try await chunk in response.body {
                    text += String(buffer: chunk)
                    if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("data: ") }) {
                        return try JSONValue.parse(Array(line.dropFirst(6).utf8))
                    }
                }
                return JSONValue.null
            }
            #expect(delivered["id"]?.stringValue == "o-1")
            #expect(delivered["tenantid"]?.stringValue == tenant)
            #expect(delivered["keeltopic"]?.stringValue == env.topic)
            try await http.shutdown()
        } catch {
            try? await http.shutdown()
            throw error
        }
        serve.kill(signal: SIGTERM)
        let exit = await serve.wait(timeout: .seconds(30))
        stopped = true
        #expect(exit.status == 0, "graceful stop failed: \(exit.stderr)")
    }
}
