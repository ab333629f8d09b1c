/// A token manager that disables service-to-service authentication: ``getToken()`` returns an
/// empty token (so callers send no `Authorization` header) and ``authenticate(_:)`` accepts
/// anything. For development, or for hosts that authenticate some other way.
public struct NoopTokenManager: TokenManager {
    /// The noop manager. Prefer ``ServerTokenManager/noop()``.
    public init() {}

    /// An empty token.
    public func getToken() async throws -> ServerToken {
        ServerToken(token: "")
    }

    /// Accepts every token, including none.
    public func authenticate(_ token: String) async throws {}
}
