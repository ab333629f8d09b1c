/// The server token manager plus the `static` tokens of `backend.auth.externalAccess`.
///
/// Issues tokens with ``server`` (the first of `backend.auth.keys`). A presented token is first compared with the
/// static tokens (in constant time, see ``StaticTokenSet``), then verified as an HS256 server token by ``server``
/// (`backend.auth.keys` and the `legacy` entries), whose reason is the one a refused token gets. Built by
/// ``TokenManagerPolicy/resolve(config:logger:environment:clock:)`` when static tokens are configured; without
/// them the policy uses the ``HMACTokenManager`` alone.
public final class ExternalAccessTokenManager: TokenManager {
    /// The manager of `backend.auth.keys` and the `legacy` entries; it signs this deployment's own calls.
    public let server: HMACTokenManager
    /// The `static` entries.
    let staticTokens: StaticTokenSet

    init(server: HMACTokenManager, staticTokens: StaticTokenSet) {
        self.server = server
        self.staticTokens = staticTokens
    }

    /// The server manager's token.
    public func getToken() async throws -> ServerToken {
        server.currentToken()
    }

    /// The principal of the static token `token` is, else of the server token it is, else the server manager's
    /// ``AuthenticationError``.
    @discardableResult
    public func authenticate(_ token: String) async throws -> ServicePrincipal {
        if let principal = staticTokens.principal(for: token) { return principal }
        return try server.principal(of: token)
    }
}
