import BackendJSON
import NIOConcurrencyHelpers

/// The server token manager: issues HS256 tokens signed with the first configured key and accepts
/// tokens signed with any configured key (Backstage's legacy `ServerTokenManager`).
///
/// Issued tokens expire one hour after issue and are reused until ten minutes after issue; then
/// the next ``getToken()`` signs a fresh one. Signing happens inside a lock, so any number of
/// concurrent callers share one signing. The cached path is a lock, a clock read and a comparison.
///
/// Build one with ``TokenManagerPolicy/resolve(config:logger:environment:clock:keySetSource:)`` (the host's table) or
/// ``ServerTokenManager/fromSecrets(_:logger:clock:sourceName:)``.
public final class HMACTokenManager: TokenManager {
    /// A cached token is re-issued this many seconds after it was issued.
    public static let reissueAfterSeconds: Double = 600

    /// Issued tokens are valid for this many seconds.
    public static let tokenLifetimeSeconds = ServerTokenSigner.lifetimeSeconds

    private struct Cache {
        var token: ServerToken?
        var reissueAt: Double = -.infinity
        var signings = 0
    }

    private let signer: ServerTokenSigner
    private let verifier: ServerTokenVerifier
    private let clock: any WallClock
    private let cache = NIOLockedValueBox(Cache())

    /// The caller each verifying key identifies, by the verifier's key index: ``ServicePrincipal/backstagePlugin``
    /// for `backend.auth.keys`, the entry's subject for a `legacy` `backend.auth.externalAccess` entry.
    private let principals: [ServicePrincipal]

    /// Names of the configured keys (e.g. `backend.auth.keys[0].secret`), in order; the first signs.
    public let keyNames: [String]

    /// A manager signing with `signingSecret` and verifying with it, `additionalSecrets` (both identifying
    /// ``ServicePrincipal/backstagePlugin``) and the `legacy` externalAccess secrets (each identifying its own
    /// principal). All keys are tried in one verification pass, so a token costs one parse whichever key signed it.
    init(
        signingSecret: ServerSecret, additionalSecrets: [ServerSecret],
        legacy: [(secret: ServerSecret, principal: ServicePrincipal)] = [], clock: any WallClock
    ) {
        let signingKey = HMACSHA256Key(key: signingSecret.bytes)
        signer = ServerTokenSigner(key: signingKey)
        verifier = ServerTokenVerifier(
            keys: [signingKey] + (additionalSecrets + legacy.map(\.secret)).map { HMACSHA256Key(key: $0.bytes) })
        keyNames = [signingSecret.name] + additionalSecrets.map(\.name)
        principals =
            Array(repeating: .backstagePlugin, count: keyNames.count) + legacy.map(\.principal)
        self.clock = clock
    }

    /// How many keys verify tokens (the first also signs).
    public var keyCount: Int { keyNames.count }

    /// The current token, signing a new one when none exists or the cached one is ten minutes old.
    public func getToken() async throws -> ServerToken {
        currentToken()
    }

    /// Synchronous ``getToken()``.
    public func currentToken() -> ServerToken {
        let now = clock.now()
        return cache.withLockedValue { cache in
            if let token = cache.token, now < cache.reissueAt {
                return token
            }
            let token = ServerToken(token: signer.sign(issuedAt: now))
            cache.token = token
            cache.reissueAt = now + Self.reissueAfterSeconds
            cache.signings += 1
            return token
        }
    }

    /// Accepts a valid server token as ``ServicePrincipal/backstagePlugin`` (a `backend.auth.keys` key verified it)
    /// or as the principal of the `legacy` externalAccess entry whose secret did, or throws an
    /// ``AuthenticationError`` (`Invalid server token; caused by <reason>`).
    @discardableResult
    public func authenticate(_ token: String) async throws -> ServicePrincipal {
        try principal(of: token)
    }

    /// Synchronous ``authenticate(_:)``.
    func principal(of token: String) throws(AuthenticationError) -> ServicePrincipal {
        principals[try verify(token).keyIndex]
    }

    /// Verifies `token` against the configured keys at the clock's current time.
    ///
    /// - Returns: the verified claims and which key matched.
    /// - Throws: ``AuthenticationError`` whose ``AuthenticationError/reason`` says why the token is invalid.
    public func verify(_ token: String) throws(AuthenticationError) -> VerifiedServerToken {
        try verifier.verify(token, now: clock.now())
    }

    /// Verifies `token` as of `now` (Unix seconds) instead of the clock's time.
    public func verify(_ token: String, at now: Double) throws(AuthenticationError) -> VerifiedServerToken {
        try verifier.verify(token, now: now)
    }

    /// A freshly signed token expiring at `expiresAt` (Unix seconds), bypassing the cache.
    /// Intended for tools and tests; hosts use ``getToken()``.
    public func signToken(expiresAt: Int) -> ServerToken {
        ServerToken(token: signer.sign(expiresAt: expiresAt))
    }

    /// How many times this manager has signed a token through the cache (for tests and metrics).
    var signingCount: Int {
        cache.withLockedValue { $0.signings }
    }
}
