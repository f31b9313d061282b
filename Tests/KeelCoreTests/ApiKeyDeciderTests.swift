import Foundation
import Testing

@testable import KeelCore

@Suite struct ApiKeyDeciderTests {
    static let now = Date(timeIntervalSince1970: 1_795_245_045.123)
    static let acme = TenantState(id: "acme", name: "Acme Corp", plan: .pro)
    static let keyId = "a1b2c3d4e5f6"

    static func hash(_ digit: Character, salt: Character = "5") -> SecretHash {
        SecretHash(salt: String(repeating: salt, count: 32), digest: String(repeating: digit, count: 64))!
    }

    static let hashA = hash("a")
    static let hashB = hash("b")
    static let hashC = hash("c")

    static func createCommand(
        keyId: String = keyId, tenantId: String = "acme", name: String = "CI", roles: [Role] = [.producer],
        prefix: String = "keel_AbCd", hash: SecretHash = hashA, expiresAt: Date? = nil, allowedTypes: [String]? = nil
    ) -> ApiKeyCommand {
        .create(
            keyId: keyId, tenantId: tenantId, name: name, roles: roles, prefix: prefix, hash: hash, expiresAt: expiresAt,
            allowedTypes: allowedTypes)
    }

    static func created(expiresAt: Date? = nil, allowedTypes: [String]? = nil) throws -> ApiKeyState {
        let events = try ApiKeyDecider.decide(
            createCommand(expiresAt: expiresAt, allowedTypes: allowedTypes), state: nil, tenant: acme, now: now)
        return try #require(events.reduce(nil, ApiKeyDecider.evolve))
    }

    func refusal(
        _ command: ApiKeyCommand, state: ApiKeyState? = nil, tenant: TenantState? = acme, now: Date = now
    ) -> (AccessError.Code, String?)? {
        do {
            _ = try ApiKeyDecider.decide(command, state: state, tenant: tenant, now: now)
            return nil
        } catch {
            return (error.code, error.field)
        }
    }

    // MARK: - SecretHash

    @Test func secretHashHasTheSchemaShape() {
        let salt = String(repeating: "0", count: 32)
        let digest = String(repeating: "f", count: 64)
        #expect(SecretHash(salt: salt, digest: digest) != nil)
        #expect(SecretHash(salt: salt + "abcdef", digest: digest) != nil)
        #expect(SecretHash(algorithm: "sha512", salt: salt, digest: digest) == nil)
        #expect(SecretHash(salt: String(salt.dropLast()), digest: digest) == nil)
        #expect(SecretHash(salt: salt.uppercased() + "A", digest: digest) == nil)
        #expect(SecretHash(salt: salt, digest: digest.uppercased()) == nil)
        #expect(SecretHash(salt: salt, digest: digest + "0") == nil)
        #expect(SecretHash(salt: salt, digest: String(digest.dropLast()) + "g") == nil)
        let hash = Self.hashA
        #expect(hash.json == ["algorithm": "sha256", "salt": .string(hash.salt), "digest": .string(hash.digest)])
        #expect(SecretHash(json: hash.json) == hash)
        #expect(SecretHash(json: ["algorithm": "sha256", "salt": .string(hash.salt)]) == nil)
        #expect(SecretHash(json: ["algorithm": "sha256", "salt": .string(hash.salt), "digest": 5]) == nil)
    }

    // MARK: - create

    @Test func createEmitsTheFullState() throws {
        let expires = Self.now.addingTimeInterval(86_400.0004)
        let events = try ApiKeyDecider.decide(
            Self.createCommand(roles: [.reader, .producer, .reader], expiresAt: expires, allowedTypes: ["com.acme.*"]),
            state: nil, tenant: Self.acme, now: Self.now)
        let expected = ApiKeyEvent.created(
            .init(
                keyId: Self.keyId, tenantId: "acme", name: "CI", roles: [.producer, .reader], prefix: "keel_AbCd",
                hash: Self.hashA, expiresAt: ApiKeyDecider.millisecondPrecision(expires), allowedTypes: ["com.acme.*"]))
        #expect(events == [expected])
        let state = try #require(events.reduce(nil, ApiKeyDecider.evolve))
        #expect(state.roles == [.producer, .reader])
        #expect(state.permissions == [.ingest, .startRuns, .query, .subscribe])
        #expect(!state.revoked && state.previousHash == nil)
        // Dates are at wire precision already, so the JSON trip changes nothing.
        #expect(state.expiresAt == RFC3339.parse(RFC3339.format(expires)))
    }

    @Test func createValidatesEveryField() {
        #expect(refusal(Self.createCommand()) == nil)
        #expect(refusal(Self.createCommand(keyId: "short"))! == (.invalid, "keyId"))
        #expect(refusal(Self.createCommand(keyId: "A1B2C3D4E5F6"))! == (.invalid, "keyId"))
        #expect(refusal(Self.createCommand(tenantId: "Acme"))! == (.invalid, "tenantId"))
        #expect(refusal(Self.createCommand(name: ""))! == (.invalid, "name"))
        #expect(refusal(Self.createCommand(name: String(repeating: "n", count: 201)))! == (.invalid, "name"))
        #expect(refusal(Self.createCommand(roles: []))! == (.invalid, "roles"))
        #expect(refusal(Self.createCommand(prefix: "kee"))! == (.invalid, "prefix"))
        #expect(refusal(Self.createCommand(prefix: "keel_AbCdEfGh"))! == (.invalid, "prefix"))
        #expect(refusal(Self.createCommand(expiresAt: Self.now))! == (.invalid, "expiresAt"))
        #expect(refusal(Self.createCommand(expiresAt: Self.now.addingTimeInterval(-1)))! == (.invalid, "expiresAt"))
        #expect(refusal(Self.createCommand(expiresAt: Self.now.addingTimeInterval(1))) == nil)
    }

    @Test func allowedTypesAreTypesOrPrefixPatterns() {
        for good in [["com.acme.order.placed"], ["com.acme.*"], ["a.*", "b", "OrderPlaced"], ["keel.workflow.run.*"]] {
            #expect(refusal(Self.createCommand(allowedTypes: good)) == nil, "\(good)")
        }
        let bad: [([String], String)] = [
            ([], "allowedTypes"),
            (["*"], "allowedTypes[0]"),
            ([".*"], "allowedTypes[0]"),
            (["com.acme.order", "com.*.placed"], "allowedTypes[1]"),
            (["com.acme*"], "allowedTypes[0]"),
            (["com.acme.**"], "allowedTypes[0]"),
            (["com.acme."], "allowedTypes[0]"),
            (["com acme"], "allowedTypes[0]"),
            ([""], "allowedTypes[0]"),
            (["com.acme.\n"], "allowedTypes[0]"),
            ([String(repeating: "a", count: 201)], "allowedTypes[0]"),
            (Array(repeating: "a.b", count: 101), "allowedTypes"),
        ]
        for (entries, field) in bad {
            #expect(refusal(Self.createCommand(allowedTypes: entries))! == (.invalid, field), "\(entries)")
        }
    }

    @Test func createNeedsAnActiveTenantAndANewKey() throws {
        #expect(refusal(Self.createCommand(), tenant: nil)! == (.notFound, "tenantId"))
        let other = TenantState(id: "other", name: "Other", plan: .free)
        #expect(refusal(Self.createCommand(), tenant: other)! == (.notFound, "tenantId"))
        var suspended = Self.acme
        suspended.suspended = true
        #expect(refusal(Self.createCommand(), tenant: suspended)! == (.conflict, "tenantId"))
        #expect(refusal(Self.createCommand(), state: try Self.created())! == (.conflict, "keyId"))
    }

    // MARK: - rotate

    @Test func rotateCarriesTheFullStateAndAGracePeriod() throws {
        let expires = Self.now.addingTimeInterval(30 * 86_400)
        let state = try Self.created(expiresAt: expires, allowedTypes: ["com.acme.*"])
        let until = Self.now.addingTimeInterval(3600)
        let events = try ApiKeyDecider.decide(
            .rotate(keyId: Self.keyId, prefix: "keel_XyZ1", hash: Self.hashB, previousValidUntil: until), state: state,
            tenant: Self.acme, now: Self.now)
        guard case .rotated(let rotated)? = events.first, events.count == 1 else {
            Issue.record("expected one rotated event, got \(events)")
            return
        }
        #expect(rotated.carriesFullState)
        #expect(rotated.tenantId == "acme" && rotated.name == "CI" && rotated.roles == [.producer])
        #expect(rotated.expiresAt == state.expiresAt && rotated.allowedTypes == ["com.acme.*"])
        #expect(rotated.previousHash == Self.hashA && rotated.previousValidUntil == until)
        let next = try #require(ApiKeyDecider.evolve(state, events[0]))
        #expect(next.hash == Self.hashB && next.prefix == "keel_XyZ1")
        #expect(next.previousHash == Self.hashA && next.previousValidUntil == until)
        #expect(next.expiresAt == state.expiresAt && next.allowedTypes == state.allowedTypes)
        // The old secret works until the grace period ends; the new one all along.
        func matches(_ hash: SecretHash) -> (SecretHash) -> Bool { { $0 == hash } }
        #expect(next.accepts(secretHash: matches(Self.hashB), at: Self.now))
        #expect(next.accepts(secretHash: matches(Self.hashA), at: until.addingTimeInterval(-0.001)))
        #expect(!next.accepts(secretHash: matches(Self.hashA), at: until))
        #expect(next.accepts(secretHash: matches(Self.hashB), at: until))
        #expect(!next.accepts(secretHash: matches(Self.hashC), at: Self.now))
    }

    @Test func rotateWithoutAGracePeriodDropsTheOldSecret() throws {
        let state = try Self.created()
        let events = try ApiKeyDecider.decide(
            .rotate(keyId: Self.keyId, prefix: "keel_XyZ1", hash: Self.hashB, previousValidUntil: nil), state: state,
            tenant: Self.acme, now: Self.now)
        let next = try #require(events.reduce(state, ApiKeyDecider.evolve))
        #expect(next.previousHash == nil && next.previousValidUntil == nil)
        #expect(!next.accepts(secretHash: { $0 == Self.hashA }, at: Self.now))
        // A second rotation replaces the first grace: at most two secrets are ever valid.
        let graced = try #require(
            try ApiKeyDecider.decide(
                .rotate(keyId: Self.keyId, prefix: "keel_XyZ2", hash: Self.hashC, previousValidUntil: Self.now.addingTimeInterval(60)),
                state: next, tenant: Self.acme, now: Self.now
            ).reduce(next, ApiKeyDecider.evolve))
        #expect(graced.previousHash == Self.hashB)
        #expect(!graced.accepts(secretHash: { $0 == Self.hashA }, at: Self.now))
    }

    @Test func rotateRules() throws {
        let state = try Self.created()
        func rotate(_ until: Date?, hash: SecretHash = ApiKeyDeciderTests.hashB, prefix: String = "keel_XyZ1") -> ApiKeyCommand {
            .rotate(keyId: Self.keyId, prefix: prefix, hash: hash, previousValidUntil: until)
        }
        #expect(refusal(rotate(nil), state: nil)! == (.notFound, "keyId"))
        var revoked = state
        revoked.revoked = true
        #expect(refusal(rotate(nil), state: revoked)! == (.gone, "keyId"))
        #expect(refusal(rotate(nil, hash: Self.hashA), state: state)! == (.invalid, "hash"))
        #expect(refusal(rotate(nil, prefix: "k"), state: state)! == (.invalid, "prefix"))
        #expect(refusal(rotate(Self.now), state: state) == nil)
        #expect(refusal(rotate(Self.now.addingTimeInterval(7 * 86_400)), state: state) == nil)
        #expect(refusal(rotate(Self.now.addingTimeInterval(7 * 86_400 + 1)), state: state)! == (.invalid, "previousValidUntil"))
        #expect(refusal(rotate(Self.now.addingTimeInterval(-1)), state: state)! == (.invalid, "previousValidUntil"))
        // A suspended tenant may still rotate (e.g. after a leak).
        var suspended = Self.acme
        suspended.suspended = true
        #expect(refusal(rotate(nil), state: state, tenant: suspended) == nil)
    }

    // MARK: - revoke

    @Test func revokeIsFinalAndIdempotent() throws {
        let state = try Self.created()
        let events = try ApiKeyDecider.decide(.revoke(keyId: Self.keyId, reason: "leaked"), state: state, tenant: nil, now: Self.now)
        #expect(events == [.revoked(.init(keyId: Self.keyId, reason: "leaked", tenantId: "acme", name: "CI", roles: [.producer]))])
        let revoked = try #require(events.reduce(state, ApiKeyDecider.evolve))
        #expect(revoked.revoked && revoked.revokedReason == "leaked")
        #expect(!revoked.isUsable(at: Self.now))
        #expect(!revoked.accepts(secretHash: { $0 == Self.hashA }, at: Self.now))
        #expect(try ApiKeyDecider.decide(.revoke(keyId: Self.keyId, reason: nil), state: revoked, tenant: nil, now: Self.now).isEmpty)
        #expect(refusal(.revoke(keyId: Self.keyId, reason: nil), state: nil)! == (.notFound, "keyId"))
        #expect(refusal(.revoke(keyId: Self.keyId, reason: ""), state: state)! == (.invalid, "reason"))
        // Without a reason the event has none.
        let plain = try ApiKeyDecider.decide(.revoke(keyId: Self.keyId, reason: nil), state: state, tenant: nil, now: Self.now)
        #expect(plain.first?.data["reason"] == nil)
    }

    @Test func evolveNeverUnrevokes() throws {
        var revoked = try Self.created()
        revoked.revoked = true
        revoked.revokedReason = "leaked"
        let rotated = ApiKeyEvent.rotated(
            .init(keyId: Self.keyId, prefix: "keel_XyZ1", hash: Self.hashB, tenantId: "acme", name: "CI", roles: [.admin]))
        let created = ApiKeyEvent.created(
            .init(keyId: Self.keyId, tenantId: "acme", name: "CI", roles: [.admin], prefix: "keel_AbCd", hash: Self.hashB))
        for event in [rotated, created] {
            let next = try #require(ApiKeyDecider.evolve(revoked, event))
            #expect(next.revoked && next.revokedReason == "leaked")
        }
    }

    // MARK: - compaction: every record rebuilds the key on its own

    @Test func aRotatedRecordAloneRebuildsTheKey() throws {
        let expires = Self.now.addingTimeInterval(86_400)
        let state = try Self.created(expiresAt: expires, allowedTypes: ["com.acme.*", "com.other.thing"])
        let until = Self.now.addingTimeInterval(600)
        let events = try ApiKeyDecider.decide(
            .rotate(keyId: Self.keyId, prefix: "keel_XyZ1", hash: Self.hashB, previousValidUntil: until), state: state,
            tenant: Self.acme, now: Self.now)
        let withHistory = try #require(events.reduce(state, ApiKeyDecider.evolve))
        // Compaction removed the created record: only the rotated one is read, from JSON.
        let decoded = try #require(ApiKeyEvent(type: events[0].type, data: try JSONValue.parse(events[0].data.serialized())))
        #expect(decoded == events[0])
        #expect(ApiKeyDecider.evolve(nil, decoded) == withHistory)
    }

    @Test func aRevokedRecordAloneRebuildsARevokedKey() throws {
        let state = try Self.created()
        let events = try ApiKeyDecider.decide(.revoke(keyId: Self.keyId, reason: "leaked"), state: state, tenant: nil, now: Self.now)
        let rebuilt = try #require(ApiKeyDecider.evolve(nil, events[0]))
        #expect(rebuilt.keyId == Self.keyId && rebuilt.tenantId == "acme" && rebuilt.name == "CI" && rebuilt.roles == [.producer])
        #expect(rebuilt.revoked && rebuilt.revokedReason == "leaked")
        #expect(rebuilt.hash == .unknown && rebuilt.prefix.isEmpty)
        #expect(!rebuilt.accepts(secretHash: { _ in true }, at: Self.now))
        // An old-style revoked record without the state leaves the key unknown (refused anyway).
        #expect(ApiKeyDecider.evolve(nil, .revoked(.init(keyId: Self.keyId))) == nil)
    }

    @Test func oldStyleRotatedRecordsApplyOnTopOfAKnownState() throws {
        let state = try Self.created(allowedTypes: ["a.b"])
        let until = Self.now.addingTimeInterval(60)
        let delta = ApiKeyEvent.rotated(.init(keyId: Self.keyId, prefix: "keel_XyZ1", hash: Self.hashB, previousValidUntil: until))
        let next = try #require(ApiKeyDecider.evolve(state, delta))
        #expect(next.hash == Self.hashB && next.previousHash == Self.hashA && next.previousValidUntil == until)
        #expect(next.allowedTypes == ["a.b"] && next.name == "CI")
        #expect(ApiKeyDecider.evolve(nil, delta) == nil)
    }

    // MARK: - state predicates

    @Test func usabilityAndExpiry() throws {
        let expires = Self.now.addingTimeInterval(60)
        let state = try Self.created(expiresAt: expires)
        #expect(state.isUsable(at: Self.now))
        #expect(state.isUsable(at: expires.addingTimeInterval(-0.001)))
        #expect(!state.isUsable(at: expires))
        #expect(!state.accepts(secretHash: { $0 == Self.hashA }, at: expires))
        #expect(state.accepts(secretHash: { $0 == Self.hashA }, at: Self.now))
    }

    @Test func typeAllowList() throws {
        let open = try Self.created()
        #expect(open.allows(type: "anything.at.all"))
        let limited = try Self.created(allowedTypes: ["com.acme.*", "org.example.ping"])
        #expect(limited.allows(type: "com.acme.order"))
        #expect(limited.allows(type: "com.acme.order.placed"))
        #expect(limited.allows(type: "org.example.ping"))
        #expect(!limited.allows(type: "com.acme"))
        #expect(!limited.allows(type: "com.acme."))
        #expect(!limited.allows(type: "com.acmex.order"))
        #expect(!limited.allows(type: "org.example.ping.pong"))
        #expect(!limited.allows(type: "org.example.pin"))
        #expect(!limited.allows(type: "COM.ACME.order"))
    }

    // MARK: - wire form

    static func allEvents() -> [ApiKeyEvent] {
        let date = Date(timeIntervalSince1970: 1_795_300_000.5)
        return [
            .created(.init(keyId: keyId, tenantId: "acme", name: "CI", roles: [.producer], prefix: "keel_AbCd", hash: hashA)),
            .created(
                .init(
                    keyId: keyId, tenantId: "acme", name: "Ünïcode ✓", roles: [.admin, .operator, .producer, .reader],
                    prefix: "keel_AbCd", hash: hashA, expiresAt: date, allowedTypes: ["com.acme.*", "x.y"])),
            .rotated(
                .init(
                    keyId: keyId, prefix: "keel_XyZ1", hash: hashB, previousHash: hashA, previousValidUntil: date, tenantId: "acme",
                    name: "CI", roles: [.reader], expiresAt: date, allowedTypes: ["a.*"])),
            .rotated(.init(keyId: keyId, prefix: "keel_XyZ1", hash: hashB, tenantId: "acme", name: "CI", roles: [.reader])),
            .rotated(.init(keyId: keyId, prefix: "keel_XyZ1", hash: hashB)),
            .revoked(.init(keyId: keyId, reason: "leaked", tenantId: "acme", name: "CI", roles: [.reader])),
            .revoked(.init(keyId: keyId)),
        ]
    }

    @Test func wireFormRoundTrips() throws {
        for event in Self.allEvents() {
            let reparsed = try JSONValue.parse(event.data.serialized())
            #expect(ApiKeyEvent(type: event.type, data: reparsed) == event, "\(event)")
            #expect(event.keyId == Self.keyId)
            #expect(!event.data.jsonString.contains("null"))
        }
        let full = Self.allEvents()[2].data
        #expect(full["previousValidUntil"] == "2026-11-21T22:26:40.500Z")
        #expect(full["previousHash"] == Self.hashA.json)
        #expect(full["roles"] == ["reader"])
        #expect(full["allowedTypes"] == ["a.*"])
        #expect(
            Self.allEvents().map(\.type) == [
                "keel.apikey.created", "keel.apikey.created", "keel.apikey.rotated", "keel.apikey.rotated", "keel.apikey.rotated",
                "keel.apikey.revoked", "keel.apikey.revoked",
            ])
    }

    @Test func readingIsStrictOnKindsButDropsUnknownRoles() {
        let base = Self.allEvents()[0].data.objectValue!
        func with(_ key: String, _ value: JSONValue?) -> JSONValue {
            var members = base
            members[key] = value
            return .object(members)
        }
        #expect(ApiKeyEvent(type: "keel.apikey.created", data: with("hash", ["algorithm": "md5"])) == nil)
        #expect(ApiKeyEvent(type: "keel.apikey.created", data: with("tenantId", nil)) == nil)
        #expect(ApiKeyEvent(type: "keel.apikey.created", data: with("roles", "producer")) == nil)
        #expect(ApiKeyEvent(type: "keel.apikey.created", data: with("roles", ["producer", 3])) == nil)
        #expect(ApiKeyEvent(type: "keel.apikey.created", data: with("expiresAt", "tomorrow")) == nil)
        #expect(ApiKeyEvent(type: "keel.apikey.created", data: with("expiresAt", .null)) == nil)
        #expect(ApiKeyEvent(type: "keel.apikey.created", data: with("allowedTypes", [1])) == nil)
        #expect(ApiKeyEvent(type: "keel.apikey.deleted", data: .object(base)) == nil)
        #expect(ApiKeyEvent(type: "keel.apikey.revoked", data: ["reason": "no key id"]) == nil)
        guard case .created(let created)? = ApiKeyEvent(type: "keel.apikey.created", data: with("roles", ["superuser", "reader"])) else {
            Issue.record("unknown roles should be dropped, not fail the record")
            return
        }
        #expect(created.roles == [.reader])
    }

    @Test func cloudEventsPrepareOnTheRealCatalog() throws {
        let catalog = try RealCatalogTests.load()
        let time = Date(timeIntervalSince1970: 1_795_245_045.123)
        for event in Self.allEvents() {
            let cloudEvent = event.cloudEvent(source: "/keel/gateway", id: "ev-1", time: time)
            #expect(cloudEvent.partitionkey == Self.keyId)
            #expect(cloudEvent.tenantid == event.tenantId)
            #expect(cloudEvent.dataversion == 1)
            #expect(cloudEvent.datacontenttype == "application/json")
            do {
                let prepared = try catalog.prepare(cloudEvent, forTopic: ApiKeyEvent.topic)
                #expect(prepared == cloudEvent)
                #expect(ApiKeyEvent(prepared) == event)
            } catch {
                Issue.record("\(event.type): \(error)")
            }
        }
        #expect(Self.allEvents()[6].cloudEvent(source: "/s", id: "i", time: time).tenantid == nil)
    }

    @Test func everyDecidedEventPreparesOnTheRealCatalog() throws {
        let catalog = try RealCatalogTests.load()
        var state: ApiKeyState?
        let commands: [ApiKeyCommand] = [
            Self.createCommand(
                roles: [.admin, .reader], expiresAt: Self.now.addingTimeInterval(3600), allowedTypes: ["com.acme.*"]),
            .rotate(keyId: Self.keyId, prefix: "keel_XyZ1", hash: Self.hashB, previousValidUntil: Self.now.addingTimeInterval(60)),
            .rotate(keyId: Self.keyId, prefix: "keel_XyZ2", hash: Self.hashC, previousValidUntil: nil),
            .revoke(keyId: Self.keyId, reason: "done"),
        ]
        var produced = 0
        for command in commands {
            for event in try ApiKeyDecider.decide(command, state: state, tenant: Self.acme, now: Self.now) {
                _ = try catalog.prepare(event.cloudEvent(source: "/keel/gateway", id: "e\(produced)", time: Self.now), forTopic: "keel.apikeys")
                state = ApiKeyDecider.evolve(state, event)
                produced += 1
            }
        }
        #expect(produced == 4)
        #expect(state?.revoked == true)
    }

    @Test func errorsDescribeThemselves() {
        let error = AccessError(.invalid, field: "name", "must be 1-200 characters, got 0")
        #expect(error.description == "invalid: name: must be 1-200 characters, got 0")
        #expect(AccessError(.notFound, "nope").description == "not-found: nope")
        #expect(AccessError.Code(rawValue: "gone") == .gone)
    }
}
