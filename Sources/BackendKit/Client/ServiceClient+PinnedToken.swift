import BackendAuth

extension ServiceClient {
    /// A client that sends one token, issued now, with every call, instead of asking the token manager per call.
    ///
    /// Use it for a batch of calls that belong together, such as one collation run paging through the catalog:
    /// the batch then carries a single token even if the manager re-issues in the middle of it.
    ///
    /// ```swift
    /// let run = try await env.client.pinningCurrentToken()
    /// for offset in stride(from: 0, to: total, by: 500) { _ = try await run.get(…) }
    /// ```
    ///
    /// - Throws: The token manager's error when it cannot issue a token.
    ///
    /// Plugin tokens are already signed once per target and reused, so with plugin tokens on only the legacy server
    /// token is pinned, and a deployment without `backend.auth.keys` (which signs none) returns this client as is.
    public func pinningCurrentToken() async throws -> ServiceClient {
        let token: ServerToken
        do {
            token = try await tokenManager.getToken()
        } catch let error as TokenManagerConfigurationError where error == .noKeysToSign && pluginTokens != nil {
            return self
        }
        return ServiceClient(
            httpClient: httpClient,
            discovery: discovery,
            tokenManager: PinnedTokenManager(token: token, verifier: tokenManager),
            configuration: configuration,
            logger: logger,
            pluginTokens: pluginTokens,
            callerPluginId: callerPluginId
        )
    }
}

/// Hands out one fixed token; verification is the wrapped manager's.
private struct PinnedTokenManager: TokenManager {
    let token: ServerToken
    let verifier: any TokenManager

    func getToken() async throws -> ServerToken { token }

    func authenticate(_ token: String) async throws -> ServicePrincipal {
        try await verifier.authenticate(token)
    }

    var acceptsRequestsWithoutToken: Bool { verifier.acceptsRequestsWithoutToken }
}
