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
    public func pinningCurrentToken() async throws -> ServiceClient {
        let token = try await tokenManager.getToken()
        return ServiceClient(
            httpClient: httpClient,
            discovery: discovery,
            tokenManager: PinnedTokenManager(token: token, verifier: tokenManager),
            configuration: configuration,
            logger: logger
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
