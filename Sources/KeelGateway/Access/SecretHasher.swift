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
        let saltHex = LowercaseHex.string(salt)
        // Both parts are lowercase hex of the right lengths, so the failable init cannot fail.
        return SecretHash(algorithm: SecretHash.sha256, salt: saltHex, digest: digest(secret: secret, saltHex: saltHex))!
    }

    public static func hash(secret: String) -> SecretHash {
        var rng = SystemRandomNumberGenerator()
        return hash(secret: secret, using: &rng)
    }

    /// Does `secret` hash to `stored`? Constant-time in the digest comparison. Runs on every
    /// request, so it hashes and compares in place, without building strings.
    public static func verify(secret: String, against stored: SecretHash) -> Bool {
        guard stored.algorithm == "sha256" else { return false }
        let computed = digestBytes(secret: secret, saltHex: stored.salt)
        var expected = stored.digest
        return expected.withUTF8 { expectedHex in
            computed.withUnsafeBytes { bytes in
                let digits = LowercaseHex.digits
                guard expectedHex.count == bytes.count * 2 else { return false }
                var difference: UInt8 = 0
                for index in 0..<bytes.count {
                    difference |= digits[Int(bytes[index] >> 4)] ^ expectedHex[2 * index]
                    difference |= digits[Int(bytes[index] & 0x0f)] ^ expectedHex[2 * index + 1]
                }
                return difference == 0
            }
        }
    }

    static func digest(secret: String, saltHex: String) -> String {
        LowercaseHex.string(digestBytes(secret: secret, saltHex: saltHex))
    }

    /// SHA-256 of the salt's hex text, a zero byte, and the secret.
    private static func digestBytes(secret: String, saltHex: String) -> SHA256.Digest {
        var hasher = SHA256()
        var salt = saltHex
        salt.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        withUnsafeBytes(of: UInt8(0)) { hasher.update(bufferPointer: $0) }
        var secret = secret
        secret.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        return hasher.finalize()
    }
}
