import Foundation
import Testing

@testable import KeelCore

@Suite struct AccessDirectoryTests {
    static let now = ApiKeyDeciderTests.now
    static let keyId = ApiKeyDeciderTests.keyId

    /// Events as they come back from the log: through the Kafka binding and the catalog.
    static func record(_ event: CloudEvent) throws -> CloudEvent {
        let encoded = KafkaBinding.encode(event)
        return try KafkaBinding.decode(key: encoded.key, value: encoded.value, headers: encoded.headers)
    }

    static func tenantEvent(_ event: TenantEvent, _ n: Int) throws -> CloudEvent {
        try record(event.cloudEvent(source: "/keel/gateway", id: "t\(n)", time: now))
    }

    static func keyEvent(_ event: ApiKeyEvent, _ n: Int) throws -> CloudEvent {
        try record(event.cloudEvent(source: "/keel/gateway", id: "k\(n)", time: now))
    }

    /// created → rotated → revoked for one key, decided against the directory itself.
    static func lifecycle() throws -> [ApiKeyEvent] {
        var understood = false
        var directory = AccessDirectory()
        _ = directory.apply(try tenantEvent(.created(tenantId: "acme", name: "Acme", plan: .pro), 0))
        var events: [ApiKeyEvent] = []
        let commands: [ApiKeyCommand] = [
            ApiKeyDeciderTests.createCommand(roles: [.admin], allowedTypes: ["com.acme.*"]),
            .rotate(
                keyId: keyId, prefix: "keel_XyZ1", hash: ApiKeyDeciderTests.hashB, previousValidUntil: now.addingTimeInterval(60)),
            .revoke(keyId: keyId, reason: "leaked"),
        ]
        for command in commands {
            let decided = try ApiKeyDecider.decide(command, state: directory.key(keyId), tenant: directory.tenant("acme"), now: now)
            for event in decided {
                understood = directory.apply(try keyEvent(event, events.count))
                #expect(understood)
                events.append(event)
            }
        }
        return events
    }

    @Test func buildsTenantsAndKeysFromTheLog() throws {
        var understood = false
        var directory = AccessDirectory()
        #expect(directory.tenants.isEmpty && directory.key(Self.keyId) == nil)
        understood = directory.apply(try Self.tenantEvent(.created(tenantId: "zeta", name: "Zeta", plan: .free), 1))
        #expect(understood)
        understood = directory.apply(try Self.tenantEvent(.created(tenantId: "acme", name: "Acme", plan: .pro), 2))
        #expect(understood)
        understood = directory.apply(try Self.tenantEvent(.updated(tenantId: "acme", name: nil, plan: .enterprise), 3))
        #expect(understood)
        understood = directory.apply(try Self.tenantEvent(.suspended(tenantId: "zeta", reason: "unpaid"), 4))
        #expect(understood)
        #expect(directory.tenants.map(\.id) == ["acme", "zeta"])
        #expect(directory.tenant("acme")?.plan == .enterprise)
        #expect(directory.tenant("zeta")?.suspended == true)
        #expect(directory.tenant("ghost") == nil)

        let keyIDs = ["zzzzzzzzzzzz", "aaaaaaaaaaaa", "mmmmmmmmmmmm"]
        for (index, id) in keyIDs.enumerated() {
            let tenant = index == 2 ? "zeta" : "acme"
            let created = ApiKeyEvent.created(
                .init(keyId: id, tenantId: tenant, name: "k\(index)", roles: [.reader], prefix: "keel_AbCd", hash: ApiKeyDeciderTests.hashA))
            understood = directory.apply(try Self.keyEvent(created, index))
            #expect(understood)
        }
        #expect(directory.keys(ofTenant: "acme").map(\.keyId) == ["aaaaaaaaaaaa", "zzzzzzzzzzzz"])
        #expect(directory.keys(ofTenant: "zeta").map(\.keyId) == ["mmmmmmmmmmmm"])
        #expect(directory.keys(ofTenant: "ghost").isEmpty)
        #expect(directory.keys.map(\.keyId) == ["aaaaaaaaaaaa", "mmmmmmmmmmmm", "zzzzzzzzzzzz"])
    }

    @Test func createdRotatedRevoked() throws {
        var understood = false
        let events = try Self.lifecycle()
        #expect(events.map(\.type) == ["keel.apikey.created", "keel.apikey.rotated", "keel.apikey.revoked"])
        var directory = AccessDirectory()
        var folded: ApiKeyState?
        for (index, event) in events.enumerated() {
            understood = directory.apply(try Self.keyEvent(event, index))
            #expect(understood)
            folded = ApiKeyDecider.evolve(folded, event)
            #expect(directory.key(Self.keyId) == folded)
            if index == 0 { #expect(directory.hasUsableAdminKey(at: Self.now)) }
            if index == 1 {
                let key = try #require(directory.key(Self.keyId))
                #expect(key.hash == ApiKeyDeciderTests.hashB && key.previousHash == ApiKeyDeciderTests.hashA)
                #expect(key.allows(type: "com.acme.x") && !key.allows(type: "org.x.y"))
                #expect(directory.hasUsableAdminKey(at: Self.now))
            }
        }
        let key = try #require(directory.key(Self.keyId))
        #expect(key.revoked && key.revokedReason == "leaked" && key.tenantId == "acme")
        #expect(!directory.hasUsableAdminKey(at: Self.now))
        #expect(directory.keys(ofTenant: "acme").map(\.keyId) == [Self.keyId])
    }

    @Test func compactedTopicWithOnlyTheRotatedRecord() throws {
        var understood = false
        let events = try Self.lifecycle()
        var full = AccessDirectory()
        for (index, event) in events.prefix(2).enumerated() { full.apply(try Self.keyEvent(event, index)) }
        var compacted = AccessDirectory()
        understood = compacted.apply(try Self.keyEvent(events[1], 1))
        #expect(understood)
        #expect(compacted.key(Self.keyId) == full.key(Self.keyId))
        let key = try #require(compacted.key(Self.keyId))
        #expect(key.roles == [.admin] && key.name == "CI" && key.tenantId == "acme" && key.allowedTypes == ["com.acme.*"])
        #expect(key.accepts(secretHash: { $0 == ApiKeyDeciderTests.hashB }, at: Self.now))
        #expect(key.accepts(secretHash: { $0 == ApiKeyDeciderTests.hashA }, at: Self.now))
        #expect(compacted.hasUsableAdminKey(at: Self.now))
    }

    @Test func compactedTopicWithOnlyTheRevokedRecord() throws {
        var understood = false
        let events = try Self.lifecycle()
        var compacted = AccessDirectory()
        understood = compacted.apply(try Self.keyEvent(events[2], 2))
        #expect(understood)
        let key = try #require(compacted.key(Self.keyId))
        #expect(key.revoked && key.tenantId == "acme" && key.roles == [.admin])
        #expect(compacted.keys(ofTenant: "acme").count == 1)
        #expect(!compacted.hasUsableAdminKey(at: Self.now))
    }

    @Test func adminKeysMustBeUsable() throws {
        var directory = AccessDirectory()
        let expiring = ApiKeyEvent.created(
            .init(
                keyId: "aaaaaaaaaaaa", tenantId: "ops", name: "root", roles: [.admin], prefix: "keel_AbCd",
                hash: ApiKeyDeciderTests.hashA, expiresAt: Self.now.addingTimeInterval(10)))
        let reader = ApiKeyEvent.created(
            .init(keyId: "bbbbbbbbbbbb", tenantId: "ops", name: "r", roles: [.reader], prefix: "keel_AbCd", hash: ApiKeyDeciderTests.hashA))
        directory.apply(try Self.keyEvent(reader, 0))
        #expect(!directory.hasUsableAdminKey(at: Self.now))
        directory.apply(try Self.keyEvent(expiring, 1))
        #expect(directory.hasUsableAdminKey(at: Self.now))
        #expect(!directory.hasUsableAdminKey(at: Self.now.addingTimeInterval(10)))
    }

    @Test func ignoresOtherEvents() throws {
        var understood = false
        var directory = AccessDirectory()
        understood = directory.apply(CloudEvent(id: "x1", source: "/x", type: "com.acme.order.placed", json: ["keyId": "x"]))
        #expect(!understood)
        understood = directory.apply(CloudEvent(id: "x1", source: "/x", type: "keel.tenant.created", json: ["tenantId": "acme"]))
        #expect(!understood)
        understood = directory.apply(CloudEvent(id: "x1", source: "/x", type: "keel.apikey.created", data: .text("nope")))
        #expect(!understood)
        var future = ApiKeyDeciderTests.allEvents()[0].cloudEvent(source: "/x", id: "1", time: Self.now)
        future.dataversion = 2
        understood = directory.apply(future)
        #expect(!understood)
        #expect(directory.tenants.isEmpty && directory.keys.isEmpty)
    }

    @Test func anUnreadableRevocationStillRevokes() throws {
        var understood = false
        var directory = AccessDirectory()
        let created = ApiKeyDeciderTests.allEvents()[0]
        directory.apply(try Self.keyEvent(created, 0))
        #expect(directory.key(Self.keyId)?.revoked == false)
        // A newer writer's revocation this version cannot decode.
        var revoked = CloudEvent(
            id: "r1", source: "/keel/gateway", type: "keel.apikey.revoked", json: ["keyId": .string(Self.keyId), "reason": ["code": 7]])
        revoked.dataversion = 2
        understood = directory.apply(revoked)
        #expect(understood)
        #expect(directory.key(Self.keyId)?.revoked == true)
        // One for a key it never saw changes nothing.
        understood = directory.apply(CloudEvent(id: "x1", source: "/x", type: "keel.apikey.revoked", json: ["keyId": "nnnnnnnnnnnn", "reason": 1]))
        #expect(understood)
        #expect(directory.key("nnnnnnnnnnnn") == nil)
    }

    @Test func anUnreadableSuspensionStillSuspends() throws {
        var directory = AccessDirectory()
        directory.apply(try Self.tenantEvent(.created(tenantId: "acme", name: "Acme", plan: .pro), 0))
        var suspended = CloudEvent(id: "s1", source: "/keel/gateway", type: "keel.tenant.suspended", json: ["tenantId": "acme", "reason": 42])
        suspended.dataversion = 1
        let understood = directory.apply(suspended)
        #expect(understood)
        #expect(directory.tenant("acme")?.suspended == true)
    }
}
