import BackendJSON

/// A plugin key could not be generated, read or used: a PEM file that holds no usable P-256 key, a JSON Web Key
/// that is not one, or an OpenSSL failure.
///
/// ``message`` says what is wrong with the key, never the key material itself; callers that know where the key
/// came from put that in front (`Could not load the key 'k1' from /etc/keys/public.pem: it holds no PEM public key`).
public struct PluginKeyError: MessageError {
    /// The user-facing message.
    public let message: String

    /// An error with the given message.
    public init(_ message: String) {
        self.message = message
    }
}
