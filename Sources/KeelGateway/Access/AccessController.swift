import Foundation
import HTTPTypes
import Hummingbird
import KeelCore
import KeelLog
import KeelRuntime
import Logging
import NIOCore

/// Tenants and API keys over HTTP: each command is decided against the access directory by the
/// pure deciders in `KeelCore`, produced as events (with an audit record), and answered once this
/// gateway's directory has applied them (read-your-writes).
struct AccessController {
    static let source = "keel/gateway"

    let access: AccessService
    let log: any EventLog
    let audit: AuditRecorder
    let lock = AsyncLock()
    let logger: Logger

    func register(on routes: RouteRegistrar) {
        routes.on(GatewayRoutes.createTenant) { request, context in try await createTenant(request, context) }
        routes.on(GatewayRoutes.listTenants) { _, context in
            try context.requirePrincipal().requirePlatformScope("listing tenants")
            return .json(.object(["tenants": .array(access.directory.tenants.map(Self.json))]))
        }
        routes.on(GatewayRoutes.getTenant) { _, context in
            let id = try context.parameters.require("tenant")
            // A tenant admin sees its own tenant; only a platform admin names another.
            _ = try context.requirePrincipal().actingTenant(requested: id)
            guard let tenant = access.directory.tenant(id) else { throw Problem.notFound("no tenant '\(id)'") }
            return .json(Self.json(tenant))
        }
        routes.on(GatewayRoutes.createKey) { request, context in try await createKey(request, context) }
        routes.on(GatewayRoutes.listKeys) { _, context in
            let tenant = try existingTenant(context)
            return .json(.object(["keys": .array(access.directory.keys(ofTenant: tenant).map(Self.json))]))
        }
        routes.on(GatewayRoutes.revokeKey) { request, context in try await revokeKey(request, context) }
        routes.on(GatewayRoutes.rotateKey) { request, context in try await rotateKey(request, context) }
    }

    // MARK: Commands

    func createTenant(_ request: Request, _ context: GatewayContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        try principal.requirePlatformScope("creating a tenant")
        let body = try await Self.jsonBody(request)
        try Self.rejectUnknownMembers(of: body, allowed: ["tenantId", "name", "plan"])
        guard let tenantID = body["tenantId"]?.stringValue else { throw Problem.badRequest("tenantId (string) is required", field: "tenantId") }
        guard let name = body["name"]?.stringValue else { throw Problem.badRequest("name (string) is required", field: "name") }
        let plan = body["plan"]?.stringValue ?? "free"
        if tenantID == Authenticator.systemTenant {
            throw Problem(.conflict, "'\(tenantID)' is the system tenant and is created by Keel itself")
        }
        return try await lock.withLock {
            let events = try Self.decided { () throws(AccessError) in
                try TenantDecider.decide(.create(tenantId: tenantID, name: name, plan: plan), state: access.directory.tenant(tenantID))
            }
            try await commit(
                events.map { $0.cloudEvent(source: Self.source, id: Self.newID(), time: Date()) }, topic: "keel.tenants",
                audit: audit.event(
                    principal: principal, action: "tenant.create", resource: ("tenant", tenantID), outcome: "allowed", tenant: tenantID,
                    requestID: context.requestID))
            guard let tenant = access.directory.tenant(tenantID) else { throw Problem(.internalError, "tenant not applied") }
            return .json(Self.json(tenant), status: .created, headers: [.location: "/v1/tenants/\(tenantID)"])
        }
    }

    func createKey(_ request: Request, _ context: GatewayContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let tenantID = try existingTenant(context)
        let body = try await Self.jsonBody(request)
        try Self.rejectUnknownMembers(of: body, allowed: ["name", "roles", "expiresAt", "allowedTypes"])
        guard let name = body["name"]?.stringValue else { throw Problem.badRequest("name (string) is required", field: "name") }
        guard let roleNames = body["roles"]?.arrayValue, !roleNames.isEmpty else {
            throw Problem.badRequest("roles (a non-empty array of admin, operator, producer, reader) is required", field: "roles")
        }
        var roles: [Role] = []
        for value in roleNames {
            guard let role = value.stringValue.flatMap(Role.init(rawValue:)) else {
                throw Problem.badRequest("unknown role \(value) (admin, operator, producer, reader)", field: "roles")
            }
            roles.append(role)
        }
        var expiresAt: Date?
        if let text = body["expiresAt"] {
            // The key's event carries expiresAt in UTC with milliseconds, years 0000 to 9999; a
            // time whose UTC form leaves them would be written but unreadable by the directory.
            guard let string = text.stringValue, let date = RFC3339.parse(string), RFC3339.parse(RFC3339.format(date)) != nil else {
                throw Problem.badRequest("expiresAt must be an RFC 3339 date-time within the years 0000…9999 in UTC", field: "expiresAt")
            }
            expiresAt = date
        }
        var allowedTypes: [String]?
        if let list = body["allowedTypes"] {
            guard let array = list.arrayValue, array.allSatisfy({ $0.stringValue != nil }) else {
                throw Problem.badRequest("allowedTypes must be an array of event types (exact or prefix.*)", field: "allowedTypes")
            }
            allowedTypes = array.compactMap(\.stringValue)
        }
        var rng = SystemRandomNumberGenerator()
        let token = ApiKeyToken.generate(using: &rng)
        let hash = SecretHasher.hash(secret: token.secret, using: &rng)
        return try await lock.withLock {
            let directory = access.directory
            let events = try Self.decided { () throws(AccessError) in
                try ApiKeyDecider.decide(
                    .create(
                        keyId: token.keyId, tenantId: tenantID, name: name, roles: roles, prefix: token.displayPrefix, hash: hash,
                        expiresAt: expiresAt, allowedTypes: allowedTypes),
                    state: directory.key(token.keyId), tenant: directory.tenant(tenantID), now: Date())
            }
            try await commit(
                events.map { $0.cloudEvent(source: Self.source, id: Self.newID(), time: Date()) }, topic: "keel.apikeys",
                audit: audit.event(
                    principal: principal, action: "apikey.create", resource: ("apikey", token.keyId), outcome: "allowed", tenant: tenantID,
                    requestID: context.requestID))
            guard let key = access.directory.key(token.keyId) else { throw Problem(.internalError, "key not applied") }
            return .json(
                Self.json(key, secret: token), status: .created,
                headers: [.location: "/v1/tenants/\(tenantID)/keys/\(token.keyId)", .cacheControl: "no-store"])
        }
    }

    func revokeKey(_ request: Request, _ context: GatewayContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let tenantID = try existingTenant(context)
        let keyID = try context.parameters.require("keyId")
        let reason = request.query("reason")
        return try await lock.withLock {
            let directory = access.directory
            guard let key = directory.key(keyID), key.tenantId == tenantID else {
                throw Problem.notFound("no key '\(keyID)' in tenant '\(tenantID)'")
            }
            let events = try Self.decided { () throws(AccessError) in
                try ApiKeyDecider.decide(.revoke(keyId: keyID, reason: reason), state: key, tenant: directory.tenant(tenantID), now: Date())
            }
            try await commit(
                events.map { $0.cloudEvent(source: Self.source, id: Self.newID(), time: Date()) }, topic: "keel.apikeys",
                audit: events.isEmpty
                    ? nil
                    : audit.event(
                        principal: principal, action: "apikey.revoke", resource: ("apikey", keyID), outcome: "allowed", tenant: tenantID,
                        requestID: context.requestID, reason: reason))
            return .json(Self.json(access.directory.key(keyID) ?? key))
        }
    }

    func rotateKey(_ request: Request, _ context: GatewayContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let tenantID = try existingTenant(context)
        let keyID = try context.parameters.require("keyId")
        let body = try await Self.jsonBody(request, allowEmpty: true)
        try Self.rejectUnknownMembers(of: body, allowed: ["graceSeconds"])
        let grace = body["graceSeconds"].map { $0.intValue } ?? 0
        guard let grace, (0...604_800).contains(grace) else {
            throw Problem.badRequest("graceSeconds must be an integer from 0 to 604800 (7 days)", field: "graceSeconds")
        }
        var rng = SystemRandomNumberGenerator()
        let secret = ApiKeyToken.generateSecret(using: &rng)
        guard let token = ApiKeyToken(keyId: keyID, secret: secret) else { throw Problem.notFound("no key '\(keyID)' in tenant '\(tenantID)'") }
        let hash = SecretHasher.hash(secret: secret, using: &rng)
        return try await lock.withLock {
            let directory = access.directory
            guard let key = directory.key(keyID), key.tenantId == tenantID else {
                throw Problem.notFound("no key '\(keyID)' in tenant '\(tenantID)'")
            }
            let now = Date()
            let events = try Self.decided { () throws(AccessError) in
                try ApiKeyDecider.decide(
                    .rotate(
                        keyId: keyID, prefix: token.displayPrefix, hash: hash,
                        previousValidUntil: grace > 0 ? now.addingTimeInterval(Double(grace)) : nil),
                    state: key, tenant: directory.tenant(tenantID), now: now)
            }
            try await commit(
                events.map { $0.cloudEvent(source: Self.source, id: Self.newID(), time: now) }, topic: "keel.apikeys",
                audit: audit.event(
                    principal: principal, action: "apikey.rotate", resource: ("apikey", keyID), outcome: "allowed", tenant: tenantID,
                    requestID: context.requestID))
            return .json(Self.json(access.directory.key(keyID) ?? key, secret: token), headers: [.cacheControl: "no-store"])
        }
    }

    // MARK: Helpers

    /// Produces the decided events (and the audit record), then waits until the directory has them.
    private func commit(_ events: [CloudEvent], topic: String, audit auditEvent: CloudEvent?) async throws {
        guard !events.isEmpty else { return }
        let coordinates: [RecordCoordinates]
        do {
            coordinates = try await log.produce(events.map { OutgoingRecord($0) }, to: topic)
        } catch {
            logger.warning("access: produce to \(topic) failed: \(error)")
            throw Problem(.unavailable, "the log did not acknowledge the change; nothing changed, retry")
        }
        if let auditEvent {
            do {
                try await audit.record([auditEvent])
            } catch {
                logger.error("audit: the change at \(coordinates) was made but its audit record failed: \(error)")
            }
        }
        guard await access.waitUntilApplied(coordinates) else {
            throw Problem(
                .unavailable,
                "the change was written (\(coordinates.map(\.description).joined(separator: ", "))) but is not visible yet; retry the read")
        }
    }

    private func existingTenant(_ context: GatewayContext) throws -> String {
        let id = try context.parameters.require("tenant")
        let principal = try context.requirePrincipal()
        _ = try principal.actingTenant(requested: id)
        guard access.directory.tenant(id) != nil else { throw Problem.notFound("no tenant '\(id)'") }
        return id
    }

    static func decided<T>(_ body: () throws(AccessError) -> T) throws(Problem) -> T {
        do {
            return try body()
        } catch {
            let kind: Problem.Kind
            switch error.code {
            case .conflict: kind = .conflict
            case .notFound: kind = .notFound
            case .gone: kind = .gone
            default: kind = .invalidRequest
            }
            throw Problem(kind, error.message, extensions: error.field.map { ["field": .string($0)] } ?? [:])
        }
    }

    static func jsonBody(_ request: Request, allowEmpty: Bool = false, limit: Int = 64 * 1024) async throws -> JSONValue {
        let buffer = try await request.body(limit: limit)
        if buffer.readableBytes == 0, allowEmpty { return .object([:]) }
        if let type = request.headers[.contentType], !type.lowercased().hasPrefix("application/json") {
            throw Problem(.unsupportedMediaType, "send application/json, got \(type)")
        }
        do {
            let value = try JSONValue.parse(buffer.readableBytesView)
            guard case .object = value else { throw Problem.badRequest(kind: .malformedJSON, "the body must be a JSON object") }
            return value
        } catch let error as JSONParseError {
            throw Problem(
                .malformedJSON, "malformed JSON: \(error)",
                extensions: ["offset": .int(Int64(error.offset)), "line": .int(Int64(error.line)), "column": .int(Int64(error.column))])
        }
    }

    /// Admin bodies are closed: a misspelt member is an error, not silently ignored.
    static func rejectUnknownMembers(of body: JSONValue, allowed: Set<String>) throws(Problem) {
        if let unknown = body.objectValue?.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw Problem.badRequest("unknown member '\(unknown)' (allowed: \(allowed.sorted().joined(separator: ", ")))", field: unknown)
        }
    }

    static func newID() -> String { SystemIDs.uuidv7() }

    static func json(_ tenant: TenantState) -> JSONValue {
        var members: [String: JSONValue] = [
            "tenantId": .string(tenant.id), "name": .string(tenant.name), "plan": .string(tenant.plan.rawValue), "suspended": .bool(tenant.suspended),
        ]
        if let reason = tenant.suspendReason { members["suspendReason"] = .string(reason) }
        return .object(members)
    }

    /// A key as created or rotated: with its token, which no later response shows again.
    static func json(_ key: ApiKeyState, secret token: ApiKeyToken) -> JSONValue {
        guard case .object(var members) = json(key) else { return json(key) }
        members["secret"] = .string(token.text)
        return .object(members)
    }

    static func json(_ key: ApiKeyState) -> JSONValue {
        var members: [String: JSONValue] = [
            "keyId": .string(key.keyId), "tenantId": .string(key.tenantId), "name": .string(key.name), "prefix": .string(key.prefix),
            "roles": .array(key.roles.map { .string($0.rawValue) }), "revoked": .bool(key.revoked),
        ]
        if let expiresAt = key.expiresAt { members["expiresAt"] = .string(RFC3339.format(expiresAt)) }
        if let allowed = key.allowedTypes { members["allowedTypes"] = .array(allowed.map(JSONValue.string)) }
        if let until = key.previousValidUntil { members["previousSecretValidUntil"] = .string(RFC3339.format(until)) }
        return .object(members)
    }
}
