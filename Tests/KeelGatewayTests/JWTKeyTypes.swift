import JWTKit

// jwt-kit's RSA key types, named in a file that does not import CryptoExtras (which makes
// `Insecure` ambiguous).
typealias RSASigningKey = Insecure.RSA.PrivateKey
typealias RSAVerifyingKey = Insecure.RSA.PublicKey
