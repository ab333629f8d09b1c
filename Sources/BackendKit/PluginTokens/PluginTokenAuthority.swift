import BackendAuth
import BackendJSON
import NIOConcurrencyHelpers

/// The host's plugin tokens: an issuer per hosted plugin, the verifier of incoming plugin tokens with the issuers'
/// key sets, `backend.auth.pluginAccess`, and what each target plugin was found to accept.
///
/// The host builds one when auth is on (``TokenManagerSelection/pluginKeyStore`` is set); the route guard sends
/// every token whose header says `typ: vnd.backstage.plugin` here, and ``ServiceClient`` asks it for the token of a
/// call. Each hosted plugin signs with keys of its own (its key source), and its
/// `/.backstage/auth/v1/jwks.json` lists ``keySet(of:)``.
///
/// ```swift
/// let token = try await authority.issuer(for: "scaffolder")?.token(for: "catalog")
/// ```
public final class PluginTokenAuthority: Sendable {
    /// The path of a plugin's key set below its base URL.
    public static let keySetPath = "/.backstage/auth/v1/jwks.json"

    /// What a target plugin accepts, as its key set probe found.
    public enum TargetKind: Sendable, Equatable {
        /// Its key set answered 200 with `keys`: plugin tokens.
        case pluginTokens
        /// Its key set answered 404: a legacy plugin, which gets a legacy server token.
        case legacy
    }

    /// The issuer of each hosted plugin, by id.
    private let issuers: [String: PluginTokenIssuer]
    /// The verifier of incoming plugin tokens.
    public let verifier: PluginTokenVerifier
    /// `backend.auth.pluginAccess`.
    public let access: PluginAccessSettings
    /// How long a target that refused a plugin token keeps getting server tokens before it is probed again.
    public static let fallbackDuration: Duration = .seconds(600)

    /// Probe results, by target plugin id, with when a fallback ends (`nil`: a probe result, kept).
    private let targets = NIOLockedValueBox([String: (kind: TargetKind, until: ContinuousClock.Instant?)]())
    /// Whether a target that answers a plugin token with 401 is called again with a server token: only when
    /// `backend.auth.keys` configures a key other deployments may know (a generated one never is).
    public let fallsBackToServerTokens: Bool

    /// An authority for `issuers` (one per hosted plugin), verifying with `verifier`, allowing callers by `access`;
    /// `fallsBackToServerTokens` when this deployment signs server tokens with a configured key.
    public init(
        issuers: [PluginTokenIssuer], verifier: PluginTokenVerifier, access: PluginAccessSettings,
        fallsBackToServerTokens: Bool = false
    ) {
        self.issuers = Dictionary(issuers.map { ($0.pluginId, $0) }, uniquingKeysWith: { first, _ in first })
        self.verifier = verifier
        self.access = access
        self.fallsBackToServerTokens = fallsBackToServerTokens
    }

    /// The issuer of hosted plugin `pluginId`.
    public func issuer(for pluginId: String) -> PluginTokenIssuer? {
        issuers[pluginId]
    }

    /// The key set document of hosted plugin `pluginId`, `{"keys":[…]}`; `nil` for a plugin not hosted here.
    ///
    /// - Throws: the key source's error (a database that cannot be read).
    public func keySet(of pluginId: String) async throws -> JSONValue? {
        guard let issuer = issuers[pluginId] else { return nil }
        return PluginPublicKey.keySet(try await issuer.keys.publicKeys())
    }

    /// The caller of a plugin token sent to plugin `pluginId`: `plugin:<sub>`.
    ///
    /// - Throws: ``AuthenticationError`` (401) when the token does not verify, ``NotAllowedError`` (403)
    ///   `Plugin 'catalog' does not accept calls from plugin 'search'` when `backend.auth.pluginAccess` lists
    ///   `pluginId` without the caller.
    public func authenticate(_ token: String, pluginId: String) async throws -> ServicePrincipal {
        let verified = try await verifier.verify(token, audience: pluginId)
        guard access.allows(caller: verified.pluginId, pluginId: pluginId) else {
            throw NotAllowedError(PluginAccessSettings.deniedMessage(pluginId: pluginId, caller: verified.pluginId))
        }
        return verified.principal
    }

    /// What `pluginId` was found to accept; `nil` when it was not probed yet, the last probe failed or a fallback
    /// ended.
    public func targetKind(of pluginId: String) -> TargetKind? {
        let now = ContinuousClock.now
        return targets.withLockedValue { targets in
            guard let entry = targets[pluginId] else { return nil }
            if let until = entry.until, until <= now {
                targets[pluginId] = nil
                return nil
            }
            return entry.kind
        }
    }

    /// Records what a probe of `pluginId` found (`nil`: the probe failed, so the next call probes again).
    func record(_ kind: TargetKind?, for pluginId: String) {
        targets.withLockedValue { $0[pluginId] = kind.map { ($0, nil) } }
    }

    /// Sends `pluginId` server tokens for ``fallbackDuration``, after it refused a plugin token.
    func recordFallback(for pluginId: String) {
        let until = ContinuousClock.now + Self.fallbackDuration
        targets.withLockedValue { $0[pluginId] = (.legacy, until) }
    }
}
