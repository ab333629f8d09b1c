/// The signature algorithms a `jwks` entry accepts (`options.algorithm`), all over SHA-256 with OpenSSL libcrypto.
enum JWKSAlgorithm: String, Sendable, CaseIterable {
    /// RSASSA-PKCS1-v1_5.
    case rs256 = "RS256"
    /// ECDSA on P-256, the signature as JOSE's 64-byte `r || s`.
    case es256 = "ES256"
    /// RSASSA-PSS with a 32-byte salt.
    case ps256 = "PS256"

    /// The scheme number `copenssl_verify_sha256` takes.
    var scheme: Int32 {
        switch self {
        case .rs256: 0
        case .ps256: 1
        case .es256: 2
        }
    }

    /// The JWK `kty` of keys for this algorithm.
    var keyType: String { self == .es256 ? "EC" : "RSA" }
}
