import Foundation
import Testing

@testable import KeelCore

/// A deterministic generator for tests (SplitMix64).
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct RoleTests {
    @Test func rolesGrantTheirPermissions() {
        #expect(Role.admin.permissions == Set(Permission.allCases))
        #expect(Role.operator.permissions == [.operate, .query, .manageWorkflows, .controlRuns])
        #expect(Role.producer.permissions == [.ingest, .startRuns])
        #expect(Role.reader.permissions == [.query, .subscribe])
        #expect(Role.permissions(of: [Role]()) == [])
        for role in Role.allCases {
            for permission in Permission.allCases {
                #expect(role.grants(permission) == role.permissions.contains(permission), "\(role) \(permission)")
            }
        }
        #expect(Role.permissions(of: [.producer, .reader]) == [.ingest, .query, .subscribe, .startRuns])
        #expect(Role.permissions(of: [.producer, .producer]) == [.ingest, .startRuns])
        #expect(!Role.operator.permissions.contains(.manageKeys))
    }

    @Test func parsingIsExactAndLowercase() {
        for role in Role.allCases { #expect(Role(parsing: role.rawValue) == role) }
        #expect(Role(parsing: "operator") == .operator)
        #expect(Role(parsing: "Admin") == nil)
        #expect(Role(parsing: "ADMIN") == nil)
        #expect(Role(parsing: " admin") == nil)
        #expect(Role(parsing: "") == nil)
        #expect(Role(parsing: "root") == nil)
    }

    @Test func codableUsesTheWireSpelling() throws {
        let data = try JSONEncoder().encode([Role.operator, .admin])
        #expect(String(decoding: data, as: UTF8.self) == #"["operator","admin"]"#)
        #expect(try JSONDecoder().decode([Role].self, from: data) == [.operator, .admin])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Role].self, from: Data(#"["Admin"]"#.utf8)) }
    }
}

@Suite struct ApiKeyTokenTests {
    static let keyId = "a1b2c3d4e5f6"
    static let secret = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd"
    static let text = "keel_\(keyId)_\(secret)"

    @Test func parsesAndRoundTrips() throws {
        let token = try #require(ApiKeyToken(parsing: Self.text))
        #expect(token.keyId == Self.keyId)
        #expect(token.secret == Self.secret)
        #expect(token.text == Self.text)
        #expect(ApiKeyToken(parsing: token.text) == token)
        #expect(ApiKeyToken(keyId: Self.keyId, secret: Self.secret) == token)
        #expect(token.displayPrefix == "keel_AbCd")
        #expect(token.displayPrefix.count == 9)
    }

    @Test func descriptionRedactsTheSecret() throws {
        let token = try #require(ApiKeyToken(parsing: Self.text))
        #expect(!"\(token)".contains(Self.secret))
        #expect(!String(reflecting: token).contains(Self.secret))
        #expect("\(token)".hasPrefix("keel_\(Self.keyId)_AbCd"))
    }

    @Test(arguments: [
        "",
        "keel_",
        "keel__",
        "kk_a1b2c3d4e5f6_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd",  // wrong prefix
        "Keel_a1b2c3d4e5f6_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd",  // prefix case
        "keel-a1b2c3d4e5f6_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd",  // prefix separator
        "keel_a1b2c3d4e5f_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd",  // key id 11
        "keel_a1b2c3d4e5f6a_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd",  // key id 13
        "keel_a1b2c3d4e5f6_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abc",  // secret 39
        "keel_a1b2c3d4e5f6_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcde",  // secret 41
        "keel_A1b2c3d4e5f6_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd",  // uppercase in key id
        "keel_a1b2c3-4e5f6_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd",  // dash in key id
        "keel_a1b2c3d4e5f6_AbCdEfGhIjKlMnOpQrStUvWxYz01234567-9abcd",  // dash in secret
        "keel_a1b2c3d4e5f6_AbCdEfGhIjKlMnOpQrStUvWxYz01234567+9abcd",  // base64 char
        "keel_a1b2c3d4e5f6_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd ",  // trailing space
        " keel_a1b2c3d4e5f6_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd",  // leading space
        "keel_a1b2c3d4e5f6__bCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd",  // extra underscore
        "keel_a1b2c3d4e5_6_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd",  // underscore in key id
        "keel_a1b2c3d4e5f6_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789ab_d",  // underscore in secret
        "keel_a1b2c3d4e5f6AAbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd",  // no separator
        "keel_a1b2c3d4e5f6_",  // empty secret
        "keel__AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd",  // empty key id
        "keel_a1b2c3d4e5f6_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcé",  // non-ASCII (41 bytes)
        "keel_a1b2c3d4e5f6_AbCdEfGhIjKlMnOpQrStUvWxYz012345678éabc",  // non-ASCII (40 bytes)
        "Bearer keel_a1b2c3d4e5f6_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd",
    ])
    func rejectsMalformedTokens(_ text: String) {
        #expect(ApiKeyToken(parsing: text) == nil)
    }

    @Test func partsAreValidatedOnTheirOwn() {
        #expect(ApiKeyToken.isValidKeyID("abcdefghij09"))
        #expect(!ApiKeyToken.isValidKeyID("abcdefghij0"))
        #expect(!ApiKeyToken.isValidKeyID("abcdefghij0_"))
        #expect(!ApiKeyToken.isValidKeyID("ABCDEFGHIJ09"))
        #expect(!ApiKeyToken.isValidKeyID(""))
        #expect(ApiKeyToken.isValidSecret(Self.secret))
        #expect(!ApiKeyToken.isValidSecret(String(Self.secret.dropLast())))
        #expect(ApiKeyToken(keyId: "short", secret: Self.secret) == nil)
        #expect(ApiKeyToken(keyId: Self.keyId, secret: "short") == nil)
    }

    @Test func generatedTokensHaveTheShapeAndDiffer() throws {
        var rng = SeededGenerator(seed: 42)
        var seen = Set<String>()
        for _ in 0..<200 {
            let token = ApiKeyToken.generate(using: &rng)
            #expect(ApiKeyToken(parsing: token.text) == token)
            #expect(ApiKeyToken.isValidKeyID(token.keyId))
            #expect(ApiKeyToken.isValidSecret(token.secret))
            #expect((4...12).contains(token.displayPrefix.count))
            seen.insert(token.text)
        }
        #expect(seen.count == 200)
        // Deterministic for a given generator state (tests rely on it).
        var a = SeededGenerator(seed: 7)
        var b = SeededGenerator(seed: 7)
        #expect(ApiKeyToken.generate(using: &a) == ApiKeyToken.generate(using: &b))
        #expect(ApiKeyToken.generateKeyID(using: &a).count == 12)
        #expect(ApiKeyToken.generateSecret(using: &a).count == 40)
    }

    @Test func generationUsesTheWholeAlphabetRoughlyUniformly() {
        var rng = SeededGenerator(seed: 1)
        var counts: [Character: Int] = [:]
        for _ in 0..<1000 {
            for character in ApiKeyToken.generateSecret(using: &rng) { counts[character, default: 0] += 1 }
        }
        // 40,000 draws over 62 symbols: about 645 each; a modulo bias or a missing symbol shows.
        #expect(counts.count == 62)
        #expect(counts.values.allSatisfy { (500...800).contains($0) })
        var keyIDCounts: [Character: Int] = [:]
        for _ in 0..<1000 {
            for character in ApiKeyToken.generateKeyID(using: &rng) { keyIDCounts[character, default: 0] += 1 }
        }
        #expect(keyIDCounts.count == 36)
    }
}
