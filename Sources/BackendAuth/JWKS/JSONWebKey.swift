import COpenSSL

/// One public key of a JSON Web Key Set, as an OpenSSL `EVP_PKEY`: an RSA key (`n`, `e`, at least 2048 bits) or a
/// P-256 key (`x`, `y`).
///
/// `@unchecked Sendable` is sound: the `EVP_PKEY` is never modified after `init` (each verification makes its own
/// `EVP_MD_CTX`, as OpenSSL allows concurrently), and it is freed in `deinit`, when no other reference exists.
final class JSONWebKey: @unchecked Sendable {
    /// The smallest RSA modulus accepted, in bits (RFC 7518 3.3).
    static let minimumRSABits: Int32 = 2048

    /// The `kid` member, if any.
    let keyId: String?
    /// The `kty` member: `RSA` or `EC`.
    let keyType: String
    /// The `alg` member, if any; a key that names one is used for that algorithm only.
    let algorithm: String?
    private let key: OpaquePointer

    private init(keyId: String?, keyType: String, algorithm: String?, key: OpaquePointer) {
        self.keyId = keyId
        self.keyType = keyType
        self.algorithm = algorithm
        self.key = key
    }

    deinit {
        EVP_PKEY_free(key)
    }

    /// Whether this key may check a signature made with `algorithm`.
    func fits(_ algorithm: JWKSAlgorithm) -> Bool {
        keyType == algorithm.keyType && (self.algorithm == nil || self.algorithm == algorithm.rawValue)
    }

    /// Whether `signature` is a valid `algorithm` signature of `message` by this key.
    func verifies(_ signature: [UInt8], of message: UnsafeRawBufferPointer, with algorithm: JWKSAlgorithm) -> Bool {
        signature.withUnsafeBufferPointer { signature in
            copenssl_verify_sha256(
                key, algorithm.scheme, signature.baseAddress, signature.count,
                message.baseAddress?.assumingMemoryBound(to: UInt8.self), message.count) == 1
        }
    }

    /// The usable signing keys of a key set document (`{"keys":[…]}`); keys of other types, curves or uses, keys
    /// that do not decode and RSA keys under 2048 bits are left out.
    ///
    /// - Throws: ``AuthenticationError`` when the document is not a JSON object with a `keys` array.
    static func keySet(from document: [UInt8]) throws(AuthenticationError) -> [JSONWebKey] {
        let parsed: StrictJSONValue
        do {
            parsed = try StrictJSONParser.parse(document, maximumValues: 100_000)
        } catch {
            throw AuthenticationError("The JSON Web Key Set is not valid JSON")
        }
        guard case .array(let keys)? = parsed[member: "keys"] else {
            throw AuthenticationError("The JSON Web Key Set has no 'keys' array")
        }
        return keys.compactMap(key(from:))
    }

    private static func key(from jwk: StrictJSONValue) -> JSONWebKey? {
        func string(_ name: String) -> String? {
            guard case .string(let value)? = jwk[member: name] else { return nil }
            return value
        }
        func bytes(_ name: String) -> [UInt8]? {
            guard let text = string(name) else { return nil }
            return try? Base64URL.decode(text)
        }
        if let use = string("use"), use != "sig" { return nil }
        let keyId = string("kid")
        let algorithm = string("alg")
        switch string("kty") {
        case "RSA":
            guard let n = bytes("n"), let e = bytes("e"), !n.isEmpty, !e.isEmpty,
                let key = copenssl_rsa_public_key(n, n.count, e, e.count)
            else { return nil }
            guard EVP_PKEY_get_bits(key) >= minimumRSABits else {
                EVP_PKEY_free(key)
                return nil
            }
            return JSONWebKey(keyId: keyId, keyType: "RSA", algorithm: algorithm, key: key)
        case "EC":
            guard string("crv") == "P-256", let x = bytes("x"), let y = bytes("y"), x.count == 32, y.count == 32
            else { return nil }
            let point = [0x04] + x + y
            guard let key = copenssl_p256_public_key(point, point.count) else { return nil }
            return JSONWebKey(keyId: keyId, keyType: "EC", algorithm: algorithm, key: key)
        default:
            return nil
        }
    }
}
