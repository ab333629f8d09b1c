/// The OpenSSL random generator failed, or an impossible amount of randomness was requested.
public struct SecureRandomError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The user-facing message.
    public let message: String

    /// An error with the given message.
    public init(_ message: String) {
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
