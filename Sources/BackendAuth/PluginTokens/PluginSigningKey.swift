import BackendJSON
import Foundation

/// A plugin's signing key: a P-256 private key and the id its public key is published under.
///
/// Private keys never leave the process: only ``publicKey`` is stored or served.
///
/// ```swift
/// let key = try PluginSigningKey.generate()      // a random kid (a UUID, as Backstage's)
/// let published = key.publicKey.jwk              // {"kty":"EC",…,"kid":"<uuid>","alg":"ES256","use":"sig"}
/// ```
public struct PluginSigningKey: Sendable {
    /// The `kid` tokens signed with this key name.
    public let keyId: String
    /// The private key.
    public let privateKey: P256SigningKey

    /// A signing key from an existing private key (a static key store's PKCS#8 file).
    public init(keyId: String, privateKey: P256SigningKey) {
        self.keyId = keyId
        self.privateKey = privateKey
    }

    /// A new key pair with a random UUID as its id.
    ///
    /// - Throws: ``PluginKeyError`` when OpenSSL cannot generate a key.
    public static func generate(
        keyId: String = UUID.randomLowercased()
    ) throws(PluginKeyError)
        -> PluginSigningKey
    {
        PluginSigningKey(keyId: keyId, privateKey: try P256SigningKey.generate())
    }

    /// The public half under the same id.
    public var publicKey: PluginPublicKey {
        PluginPublicKey(keyId: keyId, key: privateKey.publicKey)
    }

    /// A compact JWS (RFC 7515 §7.1): `header` and `payload` (JSON texts, signed as given) base64url-encoded, then
    /// the ES256 signature of the two.
    ///
    /// The caller writes the header, `kid` and `alg` included: plugin tokens fix their member order, and a test may
    /// sign a header the verifier should refuse.
    ///
    /// ```swift
    /// let token = try key.compactJWS(header: #"{"alg":"ES256","kid":"\#(key.keyId)"}"#, payload: #"{"sub":"x"}"#)
    /// ```
    ///
    /// - Throws: ``PluginKeyError`` when OpenSSL fails to sign.
    public func compactJWS(header: String, payload: String) throws(PluginKeyError) -> String {
        let signingInput = Base64URL.encode(header) + "." + Base64URL.encode(payload)
        return signingInput + "." + Base64URL.encode(try privateKey.signature(for: Array(signingInput.utf8)))
    }
}
