import BackendJSON

/// The token manager cannot be built from the configuration; the host refuses to start.
///
/// ``description`` is exactly the user-facing message, e.g.
/// `You must configure at least one key in backend.auth.keys for production.` or
/// `Invalid secret at 'backend.auth.keys[1].secret': …` (never containing the secret itself).
public struct TokenManagerConfigurationError: MessageError {
    /// The user-facing message.
    public let message: String

    /// An error with the given message.
    public init(_ message: String) {
        self.message = message
    }

    /// The message production startup fails with when `backend.auth.keys` is absent or empty.
    public static let productionRequiresKeys = TokenManagerConfigurationError(
        "You must configure at least one key in backend.auth.keys for production."
    )

    /// What ``TokenManager/getToken()`` throws in a deployment without `backend.auth.keys` (plugin keys or
    /// externalAccess only): there is no shared key to sign a legacy server token with.
    public static let noKeysToSign = TokenManagerConfigurationError(
        "This deployment has no backend.auth.keys to sign a legacy server token with")
}
