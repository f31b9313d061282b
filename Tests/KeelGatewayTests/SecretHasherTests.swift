import Crypto
import KeelCore
import Testing

@testable import KeelGateway

@Suite("SecretHasher")
struct SecretHasherTests {
    @Test func storesSaltedSHA256AndVerifiesOnlyTheSameSecret() throws {
        let secret = "Q7v3kR9pLm2XwZt8Yb4Nc6Hd1Jf5Gs0Ae7Ui3Oq9"
        let stored = SecretHasher.hash(secret: secret)
        // The stored digest is SHA-256 over the salt's hex text, a zero byte, and the secret.
        let expected = SHA256.hash(data: Array(stored.salt.utf8) + [0] + Array(secret.utf8)).map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
        }.joined()
        #expect(stored.digest == expected)
        #expect(SecretHasher.verify(secret: secret, against: stored))

        #expect(!SecretHasher.verify(secret: secret + "x", against: stored))
        #expect(!SecretHasher.verify(secret: String(secret.dropLast()), against: stored))
        #expect(!SecretHasher.verify(secret: "", against: stored))
        // Every position of the digest counts, both hex digits of each byte.
        for position in [0, 1, 31, 62, 63] {
            var digest = Array(stored.digest.utf8)
            digest[position] = digest[position] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
            let tampered = try #require(SecretHash(salt: stored.salt, digest: String(decoding: digest, as: UTF8.self)))
            #expect(!SecretHasher.verify(secret: secret, against: tampered), "digit \(position)")
        }
        // The same secret under another salt is another digest.
        #expect(SecretHasher.hash(secret: secret).digest != stored.digest)
    }
}
