/// A token (or its absence) did not authenticate the caller. The host answers with HTTP 401.
///
/// The message of a rejected server token is `Invalid server token; caused by <reason>`; the reason
/// is specific but never contains the token or any key material. ``kind`` sorts failures into a few bounded
/// groups, for metrics and for callers that branch on them.
public struct AuthenticationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The user-facing message.
    public let message: String

    /// For a rejected server token, the bare reason (the part after `caused by `); otherwise `nil`.
    public let reason: String?

    /// What kind of failure this is.
    public let kind: Kind

    /// The groups of authentication failures (the `reason` label of `backend_auth_failures_total`).
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// No credentials were sent.
        case missing
        /// The header or token is not well formed (not a bearer token, not a JWT, a bad header).
        case malformed
        /// The token has expired.
        case expired
        /// No key made the signature (or no static token matched).
        case signature
        /// The signature matched, but a claim is missing or wrong (`sub`, `iss`, `aud`, `nbf`, …).
        case claims
        /// Anything else (a custom token manager's error).
        case other
    }

    /// An authentication error with an arbitrary message.
    public init(_ message: String, kind: Kind = .other) {
        self.message = message
        self.reason = nil
        self.kind = kind
    }

    /// The error for a server token that failed verification: `Invalid server token; caused by <reason>`.
    public init(invalidServerTokenReason reason: String, kind: Kind = .other) {
        self.message = "Invalid server token; caused by \(reason)"
        self.reason = reason
        self.kind = kind
    }

    /// The message.
    public var description: String { message }
}
