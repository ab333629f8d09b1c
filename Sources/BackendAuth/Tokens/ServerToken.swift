/// A service-to-service bearer token as issued by a ``TokenManager``.
///
/// The noop manager issues an empty token; callers send an `Authorization: Bearer …` header only
/// when ``token`` is non-empty.
public struct ServerToken: Sendable, Equatable {
    /// The compact JWS text (`header.payload.signature`), or `""` from the noop manager.
    public let token: String

    /// Wraps a token string.
    public init(token: String) {
        self.token = token
    }
}
