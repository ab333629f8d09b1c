import COpenSSL

/// A P-256 public key that checks ES256 signatures (ECDSA over SHA-256, the signature as JOSE's 64-byte `r || s`).
///
/// Built from a JSON Web Key's coordinates or from an SPKI PEM block (`-----BEGIN PUBLIC KEY-----`). Verification
/// hashes with OpenSSL's streaming SHA-256, converts the signature to DER on the stack and makes one
/// `EVP_PKEY_verify` call, so it costs little more than the curve arithmetic itself.
///
/// ```swift
/// let key = try P256VerifyingKey(x: xBytes, y: yBytes)
/// key.isValidSignature(signature, for: Array("header.payload".utf8))
/// ```
///
/// `@unchecked Sendable` is sound: the `EVP_PKEY` is never modified after `init` (each verification makes its own
/// `EVP_PKEY_CTX`, as OpenSSL allows concurrently), and it is freed in `deinit`, when no other reference exists.
public final class P256VerifyingKey: @unchecked Sendable {
    /// The x coordinate of the public point, 32 big-endian bytes.
    public let x: [UInt8]
    /// The y coordinate of the public point, 32 big-endian bytes.
    public let y: [UInt8]
    let key: OpaquePointer

    /// Takes ownership of `key`, a P-256 key whose coordinates are `x` and `y`.
    private init(key: OpaquePointer, x: [UInt8], y: [UInt8]) {
        self.key = key
        self.x = x
        self.y = y
    }

    deinit {
        EVP_PKEY_free(key)
    }

    /// The key whose public point has the affine coordinates `x` and `y` (32 bytes each, as in a JWK).
    ///
    /// - Throws: ``PluginKeyError`` when the coordinates are not 32 bytes or not a point on P-256.
    public convenience init(x: [UInt8], y: [UInt8]) throws(PluginKeyError) {
        guard x.count == 32, y.count == 32 else {
            throw PluginKeyError("A P-256 public key needs 32-byte x and y coordinates, got \(x.count) and \(y.count)")
        }
        let point = [0x04] + x + y
        guard let key = copenssl_p256_public_key(point, point.count) else {
            throw PluginKeyError("The x and y coordinates are not a point on the P-256 curve")
        }
        self.init(key: key, x: x, y: y)
    }

    /// Takes ownership of `key` when it is a P-256 key; frees it and returns `nil` otherwise.
    static func adopting(_ key: OpaquePointer) -> P256VerifyingKey? {
        var x = [UInt8](repeating: 0, count: 32)
        var y = [UInt8](repeating: 0, count: 32)
        guard copenssl_is_p256(key) == 1, copenssl_p256_coordinates(key, &x, &y) == 1 else {
            EVP_PKEY_free(key)
            return nil
        }
        return P256VerifyingKey(key: key, x: x, y: y)
    }

    /// The key of an SPKI PEM document (`-----BEGIN PUBLIC KEY-----`, as `openssl ec -pubout` writes it).
    ///
    /// - Throws: ``PluginKeyError`` when the text holds no SPKI public key, or one that is not on P-256.
    public static func fromPEM(_ pem: String) throws(PluginKeyError) -> P256VerifyingKey {
        guard pem.contains("-----BEGIN PUBLIC KEY-----") else {
            throw PluginKeyError("it holds no PEM public key (-----BEGIN PUBLIC KEY-----, SPKI)")
        }
        var text = pem
        let parsed = text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { copenssl_pem_public_key($0.baseAddress, $0.count) }
        }
        guard let parsed else { throw PluginKeyError("its PEM public key does not decode") }
        guard let key = adopting(parsed) else { throw PluginKeyError("its public key is not a P-256 (ES256) key") }
        return key
    }

    /// Whether `signature` (64 bytes, `r || s`) is this key's ES256 signature of `message`.
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        message.withUnsafeBytes { isValidSignature(signature, for: $0) }
    }

    /// Whether `signature` (64 bytes, `r || s`) is this key's ES256 signature of the bytes of `message`.
    public func isValidSignature(_ signature: [UInt8], for message: UnsafeRawBufferPointer) -> Bool {
        signature.withUnsafeBufferPointer { signature in
            copenssl_p256_verify(
                key, signature.baseAddress, signature.count,
                message.baseAddress?.assumingMemoryBound(to: UInt8.self), message.count) == 1
        }
    }

    /// Whether both keys are the same point.
    func hasSamePoint(as other: P256VerifyingKey) -> Bool {
        x == other.x && y == other.y
    }
}
