/// A token manager that disables service-to-service authentication: ``getToken()`` returns an
/// empty token (so callers send no `Authorization` header), ``authenticate(_:)`` accepts
/// anything, and requests without a token are accepted. For development, or for hosts that authenticate some other way.
public struct NoopTokenManager: TokenManager {
    /// The noop manager. Prefer ``ServerTokenManager/noop()``.
    public init() {}

    /// An empty token.
    public func getToken() async throws -> ServerToken {
        ServerToken(token: "")
    }

    /// Accepts every token as ``ServicePrincipal/unauthenticated``.
    @discardableResult
    public func authenticate(_ token: String) async throws -> ServicePrincipal {
        .unauthenticated
    }

    /// `true`: with authentication disabled, protected routes accept requests without a token.
    public var acceptsRequestsWithoutToken: Bool { true }
}
