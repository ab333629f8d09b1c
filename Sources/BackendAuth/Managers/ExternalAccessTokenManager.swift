/// The server token manager plus the `static` and `jwks` entries of `backend.auth.externalAccess`.
///
/// Issues tokens with ``server`` (the first of `backend.auth.keys`). A presented token is first compared with the
/// static tokens (in constant time, see ``StaticTokenSet``). A token whose header names `RS256`, `ES256` or `PS256`
/// goes to the `jwks` entries that take that algorithm (the first whose key set verifies the signature decides);
/// any other is verified as an HS256 server token by ``server`` (`backend.auth.keys` and the `legacy` entries),
/// whose reason is the one a refused token gets. Built by
/// ``TokenManagerPolicy/resolve(config:logger:environment:clock:keySetSource:)`` when static or jwks entries are
/// configured; without them the policy uses the ``HMACTokenManager`` alone.
public final class ExternalAccessTokenManager: TokenManager {
    /// The manager of `backend.auth.keys` and the `legacy` entries; it signs this deployment's own calls.
    public let server: HMACTokenManager
    /// The `static` entries.
    let staticTokens: StaticTokenSet
    /// The `jwks` entries, in config order.
    let jwks: [JWKSVerifier]
    /// Whether ``server`` holds a configured key that signs this deployment's legacy tokens; `false` when there is
    /// no `backend.auth.keys` (production with plugin keys or externalAccess only).
    public let signsServerTokens: Bool

    init(
        server: HMACTokenManager, staticTokens: StaticTokenSet, jwks: [JWKSVerifier] = [],
        signsServerTokens: Bool = true
    ) {
        self.server = server
        self.staticTokens = staticTokens
        self.jwks = jwks
        self.signsServerTokens = signsServerTokens
    }

    /// The server manager's token.
    ///
    /// - Throws: ``TokenManagerConfigurationError/noKeysToSign`` when there is no `backend.auth.keys`.
    public func getToken() async throws -> ServerToken {
        guard signsServerTokens else { throw TokenManagerConfigurationError.noKeysToSign }
        return server.currentToken()
    }

    /// The principal of the static token `token` is, else of the server token it is, else the server manager's
    /// ``AuthenticationError``.
    @discardableResult
    public func authenticate(_ token: String) async throws -> ServicePrincipal {
        if let principal = staticTokens.principal(for: token) { return principal }
        if !jwks.isEmpty, let parsed = JWKSVerifier.parse(token) {
            let candidates = jwks.filter { $0.accepts(parsed.algorithm) }
            guard !candidates.isEmpty else {
                throw JWKSVerifier.failure(
                    "\"alg\" (Algorithm) Header Parameter value not allowed", kind: .malformed)
            }
            var keyFound = false
            for verifier in candidates {
                switch await verifier.checkSignature(parsed) {
                case .matched: return try verifier.principal(of: parsed)
                case .mismatch: keyFound = true
                case .noKey: break
                }
            }
            throw JWKSVerifier.failure(
                keyFound ? "signature verification failed" : "no applicable key found in the JSON Web Key Set",
                kind: .signature)
        }
        return try server.principal(of: token)
    }
}
