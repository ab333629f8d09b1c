/// The claims of a server token that passed verification.
public struct VerifiedServerToken: Sendable, Equatable {
    /// The `sub` claim (always `backstage-server`).
    public let subject: String
    /// The `exp` claim in Unix seconds.
    public let expiresAt: Double
    /// The `nbf` claim in Unix seconds, if present.
    public let notBefore: Double?
    /// The `iat` claim in Unix seconds, if present.
    public let issuedAt: Double?
    /// Index (in configuration order) of the key whose MAC matched.
    public let keyIndex: Int
}
