import COpenSSL

/// A P-256 private key that makes ES256 signatures (ECDSA over SHA-256, as JOSE's 64-byte `r || s`).
///
/// A new key comes from ``generate()`` (OpenSSL's generator); a configured one from a PKCS#8 PEM block
/// (`-----BEGIN PRIVATE KEY-----`). The private scalar stays inside OpenSSL: there is no API to export it, so it can
/// only leave the process by being written there on purpose.
///
/// ```swift
/// let key = try P256SigningKey.generate()
/// let signature = try key.signature(for: Array("header.payload".utf8))  // 64 bytes
/// key.publicKey.isValidSignature(signature, for: Array("header.payload".utf8))  // true
/// ```
///
/// `@unchecked Sendable` is sound: the `EVP_PKEY` is never modified after `init` (each signature makes its own
/// `EVP_MD_CTX`), and it is freed in `deinit`, when no other reference exists.
public final class P256SigningKey: @unchecked Sendable {
    /// The public half, for verifying and publishing.
    public let publicKey: P256VerifyingKey
    private let key: OpaquePointer

    private init(key: OpaquePointer, publicKey: P256VerifyingKey) {
        self.key = key
        self.publicKey = publicKey
    }

    deinit {
        EVP_PKEY_free(key)
    }

    /// Takes ownership of `key` when it is a P-256 private key; frees it and returns `nil` otherwise.
    private static func adopting(_ key: OpaquePointer) -> P256SigningKey? {
        var x = [UInt8](repeating: 0, count: 32)
        var y = [UInt8](repeating: 0, count: 32)
        guard copenssl_is_p256(key) == 1, copenssl_p256_coordinates(key, &x, &y) == 1,
            let publicKey = try? P256VerifyingKey(x: x, y: y)
        else {
            EVP_PKEY_free(key)
            return nil
        }
        return P256SigningKey(key: key, publicKey: publicKey)
    }

    /// A new random key pair.
    ///
    /// - Throws: ``PluginKeyError`` when OpenSSL cannot generate one.
    public static func generate() throws(PluginKeyError) -> P256SigningKey {
        guard let generated = copenssl_p256_generate(), let key = adopting(generated) else {
            throw PluginKeyError("OpenSSL could not generate a P-256 key pair")
        }
        return key
    }

    /// The key of a PKCS#8 PEM document (`-----BEGIN PRIVATE KEY-----`, as `openssl pkcs8 -topk8 -nocrypt` writes
    /// it). Encrypted keys and the older `EC PRIVATE KEY` form are refused, as Backstage's static key store does.
    ///
    /// - Throws: ``PluginKeyError`` saying what the text lacks.
    public static func fromPEM(_ pem: String) throws(PluginKeyError) -> P256SigningKey {
        guard pem.contains("-----BEGIN PRIVATE KEY-----") else {
            if pem.contains("-----BEGIN EC PRIVATE KEY-----") {
                throw PluginKeyError(
                    "it holds an EC PRIVATE KEY, not PKCS#8; convert it with "
                        + "`openssl pkcs8 -topk8 -nocrypt -in <file> -out <new file>`")
            }
            if pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
                throw PluginKeyError("it holds an encrypted private key; keys with a passphrase are not supported")
            }
            throw PluginKeyError("it holds no PEM private key (-----BEGIN PRIVATE KEY-----, PKCS#8)")
        }
        var text = pem
        let parsed = text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { copenssl_pem_private_key($0.baseAddress, $0.count) }
        }
        guard let parsed else { throw PluginKeyError("its PEM private key does not decode") }
        guard let key = adopting(parsed) else { throw PluginKeyError("its private key is not a P-256 (ES256) key") }
        return key
    }

    /// The ES256 signature of `message`: 64 bytes, `r || s`.
    ///
    /// - Throws: ``PluginKeyError`` when OpenSSL fails to sign (which a valid key does not).
    public func signature(for message: [UInt8]) throws(PluginKeyError) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: 64)
        let status = message.withUnsafeBufferPointer { message in
            output.withUnsafeMutableBufferPointer { output in
                copenssl_p256_sign(key, message.baseAddress, message.count, output.baseAddress)
            }
        }
        guard status == 1 else { throw PluginKeyError("OpenSSL could not make an ES256 signature") }
        return output
    }
}
