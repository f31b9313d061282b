/// The text of an API key as a client presents it: `keel_<keyId>_<secret>`.
///
/// `keyId` is 12 characters of `[a-z0-9]` and names the key (it is public: it is the record key
/// on `keel.apikeys` and appears in logs); `secret` is 40 base62 characters (`[A-Za-z0-9]`,
/// about 238 bits) and is never stored — only a salted hash of it is. A value of this type always
/// has exactly that shape: both initialisers refuse anything else.
///
/// `description` redacts the secret, so interpolating a token into a log line cannot leak it.
/// (Equality compares the secret in variable time; verification must go through the stored hash,
/// never `==` on tokens.)
public struct ApiKeyToken: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    public let keyId: String
    public let secret: String

    public static let textPrefix = "keel_"
    public static let keyIDLength = 12
    public static let secretLength = 40
    /// How many secret characters `displayPrefix` shows.
    public static let displaySecretCharacters = 4

    private static let keyIDAlphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8)
    private static let secretAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    /// A token from its parts; `nil` unless both have the exact shape.
    public init?(keyId: String, secret: String) {
        guard Self.isValidKeyID(keyId), Self.isValidSecret(secret) else { return nil }
        self.keyId = keyId
        self.secret = secret
    }

    /// Parses `keel_<keyId>_<secret>` strictly: no surrounding whitespace, no other prefix, exact
    /// lengths, exact alphabets. Neither part can contain `_`, so the split is unambiguous.
    public init?(parsing text: String) {
        let bytes = Array(text.utf8)
        let prefix = Array(Self.textPrefix.utf8)
        let separator = prefix.count + Self.keyIDLength
        guard bytes.count == separator + 1 + Self.secretLength, bytes.starts(with: prefix),
            bytes[separator] == UInt8(ascii: "_")
        else { return nil }
        let keyId = String(decoding: bytes[prefix.count..<separator], as: UTF8.self)
        let secret = String(decoding: bytes[(separator + 1)...], as: UTF8.self)
        self.init(keyId: keyId, secret: secret)
    }

    /// The full token text a client sends (`Authorization: Bearer keel_…`).
    public var text: String { Self.textPrefix + keyId + "_" + secret }

    /// `keel_` plus the first four characters of the secret: enough for a person to tell their
    /// keys apart in a listing, too little to help guess the secret (it is stored as `prefix`).
    public var displayPrefix: String { Self.textPrefix + String(secret.prefix(Self.displaySecretCharacters)) }

    public var description: String { "\(Self.textPrefix)\(keyId)_\(secret.prefix(Self.displaySecretCharacters))…" }
    public var debugDescription: String { "ApiKeyToken(\(description))" }

    /// `^[a-z0-9]{12}$`.
    public static func isValidKeyID(_ text: String) -> Bool {
        text.utf8.count == keyIDLength && text.utf8.allSatisfy { keyIDAlphabet.contains($0) }
    }

    /// `^[A-Za-z0-9]{40}$`.
    public static func isValidSecret(_ text: String) -> Bool {
        text.utf8.count == secretLength && text.utf8.allSatisfy { secretAlphabet.contains($0) }
    }

    /// A new token. Use a cryptographically secure generator (`SystemRandomNumberGenerator`) in
    /// production; tests pass a seeded one.
    public static func generate(using rng: inout some RandomNumberGenerator) -> ApiKeyToken {
        ApiKeyToken(keyId: generateKeyID(using: &rng), secret: generateSecret(using: &rng))!
    }

    /// 12 uniformly random characters of `[a-z0-9]`.
    public static func generateKeyID(using rng: inout some RandomNumberGenerator) -> String {
        randomString(length: keyIDLength, alphabet: keyIDAlphabet, using: &rng)
    }

    /// 40 uniformly random base62 characters.
    public static func generateSecret(using rng: inout some RandomNumberGenerator) -> String {
        randomString(length: secretLength, alphabet: secretAlphabet, using: &rng)
    }

    private static func randomString(length: Int, alphabet: [UInt8], using rng: inout some RandomNumberGenerator) -> String {
        // `Int.random(in:using:)` is unbiased for any range size (it rejects the uneven tail),
        // unlike `next() % 62`, which would favour the first characters.
        let bytes = (0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] }
        return String(decoding: bytes, as: UTF8.self)
    }
}
