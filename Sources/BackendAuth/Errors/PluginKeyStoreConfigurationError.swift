import BackendJSON

/// `backend.auth.pluginKeyStore` or `backend.auth.pluginAccess` cannot be used; the host refuses to start and
/// `backend config check` reports the same message.
///
/// ``description`` is exactly the user-facing message, such as Backstage's
/// `At least one key pair must be provided in static.keys, when the static key store type is used`.
public struct PluginKeyStoreConfigurationError: MessageError {
    /// The user-facing message.
    public let message: String

    /// An error with the given message.
    public init(_ message: String) {
        self.message = message
    }
}
