/// A token (or its absence) did not authenticate the caller. The host answers with HTTP 401.
///
/// The message of a rejected server token is `Invalid server token; caused by <reason>`; the reason
/// is specific but never contains the token or any key material.
public struct AuthenticationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The user-facing message.
    public let message: String

    /// For a rejected server token, the bare reason (the part after `caused by `); otherwise `nil`.
    public let reason: String?

    /// An authentication error with an arbitrary message.
    public init(_ message: String) {
        self.message = message
        self.reason = nil
    }

    /// The error for a server token that failed verification: `Invalid server token; caused by <reason>`.
    public init(invalidServerTokenReason reason: String) {
        self.message = "Invalid server token; caused by \(reason)"
        self.reason = reason
    }

    /// The message.
    public var description: String { message }
}
