/// A signed plugin token with the claims it carries, as ``PluginTokenIssuer`` hands it out.
public struct PluginToken: Sendable, Equatable {
    /// The compact JWS: `header.payload.signature`.
    public let token: String
    /// The `kid` of the key that signed it.
    public let keyId: String
    /// The `sub` claim: the calling plugin's id.
    public let subject: String
    /// The `aud` claim: the target plugin's id.
    public let audience: String
    /// The `iat` claim, Unix seconds.
    public let issuedAt: Int
    /// The `exp` claim, Unix seconds.
    public let expiresAt: Int

    /// A token with its claims.
    public init(token: String, keyId: String, subject: String, audience: String, issuedAt: Int, expiresAt: Int) {
        self.token = token
        self.keyId = keyId
        self.subject = subject
        self.audience = audience
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
    }
}
