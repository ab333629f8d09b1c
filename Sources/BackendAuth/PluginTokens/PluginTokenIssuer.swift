import BackendJSON
import NIOConcurrencyHelpers

/// Issues the plugin tokens one plugin sends to other plugins: ES256 compact JWS, wire-compatible with Backstage.
///
/// The protected header is exactly `{"typ":"vnd.backstage.plugin","alg":"ES256","kid":"<kid>"}` and the claims
/// `{"sub":"<caller>","aud":"<target>","iat":<seconds>,"exp":<iat + key duration>}`, all segments unpadded
/// base64url. ``token(for:)`` reuses a token per target until ten minutes before its `exp` (for key durations of
/// twenty minutes or less: until half its lifetime has passed), so signing is not per request.
///
/// ```swift
/// let issuer = PluginTokenIssuer(pluginId: "scaffolder", keys: keySource)
/// let token = try await issuer.token(for: "catalog")   // Authorization: Bearer \(token.token)
/// ```
///
/// A test kit mints tokens from a key it holds with ``init(pluginId:signingKey:keyDurationSeconds:clock:)``, or
/// crafts any claims with ``sign(subject:audience:issuedAt:expiresAt:key:)``.
public final class PluginTokenIssuer: Sendable {
    /// The protected header's `typ`.
    public static let tokenType = "vnd.backstage.plugin"
    /// A cached token is replaced this many seconds before its `exp` at the latest.
    public static let reissueBeforeExpirySeconds = 600

    /// The calling plugin: the `sub` of every token.
    public let pluginId: String
    /// The keys.
    public let keys: any PluginKeySource
    private let clock: any WallClock
    private let cache = NIOLockedValueBox([String: (token: PluginToken, reissueAt: Double)]())
    private let signings = NIOLockedValueBox(0)

    /// An issuer for `pluginId` signing with `keys`.
    public init(pluginId: String, keys: any PluginKeySource, clock: any WallClock = SystemClock()) {
        self.pluginId = pluginId
        self.keys = keys
        self.clock = clock
    }

    /// An issuer for `pluginId` signing with one key it is given; tokens live `keyDurationSeconds`.
    public convenience init(
        pluginId: String, signingKey: PluginSigningKey, keyDurationSeconds: Int = 3600,
        clock: any WallClock = SystemClock()
    ) {
        self.init(
            pluginId: pluginId,
            keys: StaticPluginKeySource(signingKey: signingKey, keyDurationSeconds: keyDurationSeconds),
            clock: clock)
    }

    /// The token for calls to `targetPluginId`: the cached one while it is fresh enough, else a new one.
    ///
    /// - Throws: what the key source throws (a database that cannot store the new public key), or
    ///   ``PluginKeyError``.
    public func token(for targetPluginId: String) async throws -> PluginToken {
        let now = clock.now()
        if let cached = cache.withLockedValue({ $0[targetPluginId] }), now < cached.reissueAt {
            return cached.token
        }
        let token = try await issueToken(for: targetPluginId, now: now)
        let lifetime = Double(token.expiresAt - token.issuedAt)
        let margin = min(Double(Self.reissueBeforeExpirySeconds), lifetime / 2)
        cache.withLockedValue { $0[targetPluginId] = (token, Double(token.expiresAt) - margin) }
        return token
    }

    /// A freshly signed token for `targetPluginId`, bypassing the cache.
    public func issueToken(for targetPluginId: String) async throws -> PluginToken {
        try await issueToken(for: targetPluginId, now: clock.now())
    }

    private func issueToken(for targetPluginId: String, now: Double) async throws -> PluginToken {
        let key = try await keys.signingKey()
        let issuedAt = ServerTokenSigner.wholeSeconds(now)
        let expiresAt = issuedAt + keys.keyDurationSeconds
        let token = try Self.sign(
            subject: pluginId, audience: targetPluginId, issuedAt: issuedAt, expiresAt: expiresAt, key: key)
        signings.withLockedValue { $0 += 1 }
        return PluginToken(
            token: token, keyId: key.keyId, subject: pluginId, audience: targetPluginId, issuedAt: issuedAt,
            expiresAt: expiresAt)
    }

    /// How many tokens this issuer has signed (for tests).
    public var signingCount: Int { signings.withLockedValue { $0 } }

    /// A compact ES256 plugin token with exactly these claims, signed by `key` (no checks: a test may sign an
    /// expired token or a foreign audience on purpose).
    ///
    /// - Throws: ``PluginKeyError`` when OpenSSL fails to sign.
    public static func sign(
        subject: String, audience: String, issuedAt: Int, expiresAt: Int, key: PluginSigningKey
    ) throws(PluginKeyError) -> String {
        let header =
            #"{"typ":"\#(tokenType)","alg":"ES256","kid":"# + JSONValue.quoted(key.keyId) + "}"
        let payload =
            #"{"sub":"# + JSONValue.quoted(subject) + #","aud":"# + JSONValue.quoted(audience) + #","iat":"#
            + String(issuedAt) + #","exp":"# + String(expiresAt) + "}"
        return try key.compactJWS(header: header, payload: payload)
    }
}
