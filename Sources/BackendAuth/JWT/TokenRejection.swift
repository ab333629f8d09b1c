/// Internal: why a token was refused. Becomes an ``AuthenticationError`` with the message
/// `Invalid server token; caused by <reason>`.
struct TokenRejection: Error, Equatable {
    /// The specific reason; never contains the token or key material.
    let reason: String

    init(_ reason: String) {
        self.reason = reason
    }
}
