import Crypto
import Foundation
import KeelCore

/// Salted SHA-256 of API key secrets: how a secret is stored (never in clear) and checked.
///
/// Why SHA-256 and not a slow password hash: key secrets are 40 random base62 characters
/// (~238 bits), so brute force is hopeless and each request can afford a single hash.
/// Comparison is constant-time.
public enum SecretHasher {
    public static func hash(secret: String, using rng: inout some RandomNumberGenerator) -> SecretHash {
        var salt = [UInt8](repeating: 0, count: 16)
        for index in salt.indices { salt[index] = UInt8.random(in: 0...255, using: &rng) }
        let saltHex = hex(salt)
        // Both parts are lowercase hex of the right lengths, so the failable init cannot fail.
        return SecretHash(algorithm: SecretHash.sha256, salt: saltHex, digest: digest(secret: secret, saltHex: saltHex))!
    }

    public static func hash(secret: String) -> SecretHash {
        var rng = SystemRandomNumberGenerator()
        return hash(secret: secret, using: &rng)
    }

    /// Does `secret` hash to `stored`? Constant-time in the digest comparison.
    public static func verify(secret: String, against stored: SecretHash) -> Bool {
        guard stored.algorithm == "sha256" else { return false }
        let computed = Array(digest(secret: secret, saltHex: stored.salt).utf8)
        let expected = Array(stored.digest.utf8)
        guard computed.count == expected.count else { return false }
        var difference: UInt8 = 0
        for index in computed.indices { difference |= computed[index] ^ expected[index] }
        return difference == 0
    }

    static func digest(secret: String, saltHex: String) -> String {
        var hasher = SHA256()
        hasher.update(data: Array(saltHex.utf8))
        hasher.update(data: [0])
        hasher.update(data: Array(secret.utf8))
        return hex(Array(hasher.finalize()))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
