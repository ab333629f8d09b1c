/// Internal: why a token was refused. Becomes an ``AuthenticationError`` with the message
/// `Invalid server token; caused by <reason>`.
struct TokenRejection: Error, Equatable {
    /// The specific reason; never contains the token or key material.
    let reason: String
    /// Which kind of failure it is (most are about the token's form).
    let kind: AuthenticationError.Kind

    init(_ reason: String, kind: AuthenticationError.Kind = .malformed) {
        self.reason = reason
        self.kind = kind
    }
}
