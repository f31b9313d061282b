import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import KeelCore
import KeelGateway
import KeelLog
import KeelTestSupport
import Synchronization
import Testing

@Suite("Tenants, API keys and roles")
struct AccessTests {
    @Test("tenants and keys: create, list, rotate, revoke; the secret is shown once and stored hashed")
    func lifecycle() async throws {
        let harness = try await Harness()
        try await harness.withRouter { client in
            try await client.createTenant("acme")
            expectProblem(
                try await client.call(.post, "/v1/tenants", token: adminKey, body: #"{"tenantId":"acme","name":"again"}"#), .conflict, "conflict")
            expectProblem(
                try await client.call(.post, "/v1/tenants", token: adminKey, body: #"{"tenantId":"Bad Id","name":"x"}"#), .badRequest,
                "invalid-request")
            let tenants = try await client.call(.get, "/v1/tenants", token: adminKey)
            #expect(tenants.body.json["tenants"]?.arrayValue?.compactMap { $0["tenantId"]?.stringValue }.contains("acme") == true)
            let created = try await client.call(.post, "/v1/tenants/acme/keys", token: adminKey, body: #"{"name":"ci","roles":["producer"]}"#)
            #expect(created.status == .created)
            #expect(created.headers[.cacheControl] == "no-store")
            let secret = try #require(created.body.json["secret"]?.stringValue)
            let keyID = try #require(created.body.json["keyId"]?.stringValue)
            #expect(secret.hasPrefix("keel_\(keyID)_"))
            let listed = try await client.call(.get, "/v1/tenants/acme/keys", token: adminKey)
            #expect(!listed.body.text.contains(String(secret.suffix(40))))
            #expect(listed.body.json["keys"]?.arrayValue?.count == 1)
            // X-API-Key works like Bearer.
            let viaHeader = try await client.call(
                .post, "/v1/events", contentType: "application/cloudevents+json", body: structuredEvent(id: "h1"),
                headers: [HTTPField.Name("X-API-Key")!: secret])
            #expect(viaHeader.status == .accepted)
            // Rotate with a grace period: both secrets work; without one, only the new one.
            let rotated = try await client.call(.post, "/v1/tenants/acme/keys/\(keyID)/rotate", token: adminKey, body: #"{"graceSeconds":60}"#)
            #expect(rotated.status == .ok, "\(rotated.body.text)")
            let newSecret = try #require(rotated.body.json["secret"]?.stringValue)
            #expect(try await client.post(event: structuredEvent(id: "r1"), token: secret).status == .accepted)
            #expect(try await client.post(event: structuredEvent(id: "r2"), token: newSecret).status == .accepted)
            _ = try await client.call(.post, "/v1/tenants/acme/keys/\(keyID)/rotate", token: adminKey, body: "{}")
            expectProblem(try await client.post(event: structuredEvent(id: "r3"), token: newSecret), .unauthorized, "unauthorized")
            // Revoke.
            let other = try await client.createKey(tenant: "acme", roles: ["producer"])
            let otherID = String(other.split(separator: "_")[1])
            #expect(try await client.call(.delete, "/v1/tenants/acme/keys/\(otherID)", token: adminKey).status == .ok)
            expectProblem(try await client.post(event: structuredEvent(id: "v"), token: other), .unauthorized, "unauthorized")
            // An admin key inside a tenant is that tenant's admin (see TenantIsolationTests for its scope).
            let tenantAdmin = try await client.call(.post, "/v1/tenants/acme/keys", token: adminKey, body: #"{"name":"x","roles":["admin"]}"#)
            #expect(tenantAdmin.status == .created, "\(tenantAdmin.body.text)")
            #expect(tenantAdmin.body.json["tenantId"]?.stringValue == "acme")
        }
        // What is stored: a salted hash, never the secret.
        let keyEvents = try await harness.events(in: "keel.apikeys")
        #expect(!keyEvents.isEmpty)
        for event in keyEvents {
            guard case .json(let data)? = event.data else { continue }
            #expect(data["secret"] == nil)
        }
        // The admin actions were audited.
        #expect(try await harness.events(in: "keel.audit").contains { $0.jsonData?["action"]?.stringValue == "apikey.revoke" })
        await harness.remove()
    }

    @Test("an expired key stops working")
    func expiry() async throws {
        // The credential checks run on a clock moved by hand: how long creating the key takes on
        // a loaded machine must not decide whether it is still valid for the first request.
        let harness = try await Harness(manualClock: true)
        try await harness.withRouter { client in
            try await client.createTenant("acme")
            let expiresAt = RFC3339.format(Date().addingTimeInterval(60))
            let key = try await client.createKey(tenant: "acme", roles: ["producer"], extra: #","expiresAt":"\#(expiresAt)""#)
            #expect(try await client.post(event: structuredEvent(id: "e1"), token: key).status == .accepted)
            // Past the expiry however long the steps above took in real time.
            harness.advanceClock(by: .seconds(3600))
            let expired = try await client.post(event: structuredEvent(id: "e2"), token: key)
            expectProblem(expired, .unauthorized, "unauthorized")
            #expect(expired.body.json["detail"]?.stringValue?.contains("expired") == true)
        }
        await harness.remove()
    }

    @Test("a revocation reaches another gateway instance within one second")
    func revocationPropagates() async throws {
        let harness = try await Harness()
        // A second gateway on the same log: its own access directory, following the topics live.
        let secondAccess = AccessService(log: harness.log, logger: quietLogger())
        let second = buildGateway(
            configuration: harness.configuration,
            dependencies: GatewayDependencies(
                log: harness.log, store: harness.store, catalog: catalog, projectors: [], access: secondAccess, logger: quietLogger()),
            services: [secondAccess])
        try await harness.withRouter { first in
            try await first.createTenant("acme")
            let key = try await first.createKey(tenant: "acme", roles: ["producer"])
            let keyID = String(key.split(separator: "_")[1])
            try await second.test(.router) { other in
                try await waitUntil { try await other.post(event: structuredEvent(id: UUID().uuidString), token: key).status == .accepted }
                let endsBefore = try await harness.log.offsets(topic: "keel.apikeys", atTimestampMs: Int64.max)
                #expect(try await first.call(.delete, "/v1/tenants/acme/keys/\(keyID)", token: adminKey).status == .ok)
                // The DELETE answers once the revocation is in the log (and in the first gateway's
                // directory): that is where the promise starts. Everything before it — the request,
                // the produce, its fsync — is the first gateway's latency, not the propagation.
                let revokedAt = ContinuousClock.now
                let endsAfter = try await harness.log.offsets(topic: "keel.apikeys", atTimestampMs: Int64.max)
                let written = endsAfter.filter { $0.value > (endsBefore[$0.key] ?? 0) }.map {
                    RecordCoordinates(topic: "keel.apikeys", partition: $0.key, offset: $0.value - 1, timestampMs: 0)
                }
                try #require(!written.isEmpty, "the revocation wrote nothing to keel.apikeys")
                // Waited for as an event (the second directory has read those records), not probed
                // with requests: the interval holds only the log's live-tail latency to the second
                // instance, which is what docs/gateway.md promises.
                let applied = await secondAccess.waitUntilApplied(written, timeout: .seconds(60))
                let propagation = ContinuousClock.now - revokedAt
                try #require(applied, "the second gateway never read the revocation")
                // The product promise (a revocation reaches every gateway within a second, required
                // by the issue that introduced it) is the reason this test bounds time at all. It
                // is a promise about the log's tail, so it is kept at 1 s even on a slow machine.
                #expect(propagation < .seconds(1), "the revocation took \(propagation) to reach the second gateway's directory")
                // Once read, the second gateway refuses the key on the very next request: no
                // retries here, so a directory that had it but an authenticator that ignored it fails.
                #expect(secondAccess.directory.key(keyID)?.revoked == true)
                expectProblem(try await other.call(.get, "/v1/analytics/activity", token: key), .unauthorized, "unauthorized")
                expectProblem(try await other.post(event: structuredEvent(id: UUID().uuidString), token: key), .unauthorized, "unauthorized")
            }
        }
        await harness.remove()
    }

    @Test("roles are enforced on every guarded route")
    func rolesPerRoute() async throws {
        let harness = try await Harness()
        try await harness.withRouter { client in
            try await client.createTenant("acme")
            var tokens: [Role: String] = [.admin: adminKey]
            for role in [Role.operator, .producer, .reader] {
                tokens[role] = try await client.createKey(tenant: "acme", roles: [role.rawValue])
            }
            for route in GatewayRoutes.all {
                guard let permission = route.permission else { continue }
                let path = route.path.replacingOccurrences(of: "{tenant}", with: "acme").replacingOccurrences(of: "{keyId}", with: "zzzzzzzzzzzz")
                    .replacingOccurrences(of: "{name}", with: "activity").replacingOccurrences(of: "{id}", with: "none")
                for (role, token) in tokens {
                    // An allowed SSE request streams forever, which the router client would wait
                    // out: `allowedRolesOpenTheEventStream` opens it on a live server instead.
                    if route == GatewayRoutes.stream, role.permissions.contains(permission) { continue }
                    let response = try await client.call(
                        route.method, path + "?topic=keel.external&tenant=acme", token: token,
                        body: route.method == .get || route.method == .delete ? nil : "{}")
                    let allowed = role.permissions.contains(permission)
                    if allowed {
                        // Past the role check: whatever the route then says of this input, never a server error.
                        #expect(response.status.code < 500, "\(role) on \(route.method) \(route.path): \(response.body.text)")
                        #expect(
                            response.status != .forbidden || response.body.json["detail"]?.stringValue?.contains("needs a role") == false,
                            "\(role) on \(route.method) \(route.path): \(response.body.text)")
                    } else {
                        expectProblem(response, .forbidden, "forbidden")
                    }
                }
                expectProblem(try await client.call(route.method, path), .unauthorized, "unauthorized")
            }
        }
        await harness.remove()
    }

    @Test("every role the SSE route allows gets the stream open; the others get 403")
    func allowedRolesOpenTheEventStream() async throws {
        let route = GatewayRoutes.stream
        let permission = try #require(route.permission, "\(route.path) is expected to need a permission")
        let harness = try await Harness()
        try await harness.withLive { client in
            let port = try #require(client.port)
            try await client.createTenant("acme")
            var tokens: [Role: String] = [.admin: adminKey]
            for role in [Role.operator, .producer, .reader] {
                tokens[role] = try await client.createKey(tenant: "acme", roles: [role.rawValue])
            }
            var opened: [Role] = []
            for (role, token) in tokens.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                let query = "topic=keel.external&tenant=acme"
                guard role.permissions.contains(permission) else {
                    expectProblem(try await client.call(.get, "\(route.path)?\(query)", token: token), .forbidden, "forbidden")
                    continue
                }
                // A live response that never ends: read its head and first bytes, then hang up. A
                // client of its own, shut down after, so the connection is closed for certain
                // (not left to the server's shutdown).
                let first = try await withDeadline(.seconds(30), "\(role) opening \(route.path)") {
                    let http = HTTPClient(eventLoopGroupProvider: .singleton)
                    do {
                        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(route.path)?\(query)")
                        request.headers.add(name: "Authorization", value: "Bearer \(token)")
                        let response = try await http.execute(request, timeout: .seconds(30))
                        var chunks = response.body.makeAsyncIterator()
                        let chunk = try await chunks.next().map { String(buffer: $0) }
                        try await http.shutdown()
                        return (response.status.code, response.headers.first(name: "Content-Type"), chunk)
                    } catch {
                        try? await http.shutdown()
                        throw error
                    }
                }
                #expect(first.0 == 200, "\(role) on GET \(route.path): status \(first.0)")
                #expect(first.1 == "text/event-stream", "\(role) on GET \(route.path)")
                #expect(first.2?.isEmpty == false, "\(role) on GET \(route.path): the stream sent nothing")
                opened.append(role)
            }
            // The test checks something: at least the reader role may follow a stream.
            #expect(opened.contains(.reader), "opened: \(opened)")
        }
        await harness.remove()
    }

    @Test("without KEEL_ADMIN_KEY an admin key is generated once, stored hashed, and works")
    func bootstrap() async throws {
        let directory = try TemporaryDirectory(prefix: "keel-bootstrap")
        let announced = Mutex<[String]>([])
        for _ in 0..<2 {
            let harness = try await Harness(directory: directory) { $0.adminKey = nil }
            let access = AccessService(log: harness.log, logger: quietLogger()) { token in announced.withLock { $0.append(token) } }
            let app = buildGateway(
                configuration: harness.configuration,
                dependencies: GatewayDependencies(
                    log: harness.log, store: harness.store, catalog: catalog, projectors: [], access: access, logger: quietLogger()),
                services: [access])
            try await app.test(.router) { client in
                try await waitUntil { !announced.withLock { $0 }.isEmpty }
                let token = announced.withLock { $0[0] }
                let created = try await client.call(
                    .post, "/v1/tenants", token: token, body: #"{"tenantId":"t\#(UUID().uuidString.prefix(6).lowercased())","name":"x"}"#)
                #expect(created.status == .created, "\(created.body.text)")
            }
            await harness.close()
        }
        #expect(announced.withLock { $0.count } == 1, "a second start must not create another admin key")
        directory.remove()
    }
}
