import BackendConfig
import Logging

/// The one rule for which token manager a backend uses, from `backend.auth.keys`, `backend.auth.externalAccess`
/// and the environment.
///
/// | `backend.auth.keys` | development | production |
/// |---|---|---|
/// | one or more secrets | server manager (first key signs, all verify) | server manager |
/// | present but empty, or absent with `externalAccess` entries or `pluginKeyStore` | generated random key, warning ``generatedSecretWarning`` | no shared key: plugin tokens only |
/// | present but empty, no `externalAccess` and no `pluginKeyStore` | generated random key | startup error |
/// | absent, no `externalAccess`, no `pluginKeyStore` | noop manager, warning ``serviceAuthDisabledWarning`` | startup error |
/// | absent, no `externalAccess`, no `pluginKeyStore`, but `backend.auth` present (`{}`) | startup error: it would turn auth off | startup error |
///
/// The production error is ``TokenManagerConfigurationError/productionRequiresKeys``:
/// `You must configure at least one key in backend.auth.keys for production.` Whenever auth is on (every row but
/// the noop one), this deployment's calls to other plugins carry plugin tokens (``PluginTokenIssuer``, keys from
/// `backend.auth.pluginKeyStore`, the database store by default); the shared key signs only the legacy tokens sent
/// to plugins that publish no plugin keys. In the "no shared key" row nothing signs legacy tokens:
/// ``TokenManager/getToken()`` throws ``TokenManagerConfigurationError/noKeysToSign``. Every `backend.auth.externalAccess` entry is accepted on top of the keys: a `legacy`
/// secret's tokens and a `static` token identify the entry's `subject`, limited to its `accessRestrictions`; a key
/// of `backend.auth.keys` identifies ``ServicePrincipal/backstagePlugin``. The host, `backend token create`,
/// `backend topology` (``resolve(config:logger:environment:clock:keySetSource:)``) and `backend config check`
/// (``problems(in:environment:)``) all use it, so they cannot disagree.
///
/// ```swift
/// let selection = try TokenManagerPolicy.resolve(config: config, logger: logger, environment: .production)
/// logger.info("Token manager: \(selection.kind)")  // "server (2 keys)"
/// ```
public enum TokenManagerPolicy {
    /// The config section of service-to-service auth.
    public static let authKey = "backend.auth"

    /// The config key holding the keys.
    public static let configKey = "backend.auth.keys"

    /// The config key holding the external callers.
    public static let externalAccessKey = ExternalAccessSettings.configKey

    /// The warning logged when a development host generates its own key.
    public static let generatedSecretWarning = ServerTokenManager.generatedSecretWarning

    /// The warning logged when a development host runs without `backend.auth.keys`.
    public static let serviceAuthDisabledWarning =
        "Service-to-service authentication is disabled because backend.auth.keys is not configured; "
        + "every request is accepted without a token. DEVELOPMENT USE ONLY."

    /// The server manager for the configured secrets (and the `legacy` externalAccess entries), or `nil` when
    /// `backend.auth.keys` is absent or empty (the rows where the environment decides). For tools that need real
    /// keys, such as `backend token create`.
    ///
    /// - Throws: `ConfigError` for missing or mistyped values, ``TokenManagerConfigurationError`` for an invalid
    ///   secret or externalAccess entry.
    public static func configuredManager(
        config: Config, logger: Logger, clock: some WallClock = SystemClock()
    ) throws -> HMACTokenManager? {
        let external = try ExternalAccessSettings.fromConfig(config)
        guard let secrets = try decodedSecrets(config), let first = secrets.first else { return nil }
        ServerTokenManager.logWarnings(of: secrets + external.legacyKeys.map(\.secret), to: logger)
        return HMACTokenManager(
            signingSecret: first, additionalSecrets: Array(secrets.dropFirst()), legacy: external.legacyKeys,
            clock: clock)
    }

    /// The manager the table above chooses, with which row applied. Warnings (generated key, disabled auth,
    /// weak secrets) go to `logger`; secrets never do.
    ///
    /// - Throws: `ConfigError` for missing or mistyped values, ``TokenManagerConfigurationError`` for an invalid
    ///   secret or externalAccess entry or a production host without keys, ``SecureRandomError`` if key generation
    ///   fails.
    ///
    /// `keySetSource` fetches the key sets of `jwks` entries (the host passes an HTTP one); without it such entries
    /// refuse every token.
    public static func resolve(
        config: Config, logger: Logger, environment: BackendEnvironment, clock: some WallClock = SystemClock(),
        keySetSource: (any JSONWebKeySetSource)? = nil
    ) throws -> TokenManagerSelection {
        let external = try ExternalAccessSettings.fromConfig(config)
        let pluginKeyStore = try PluginKeyStoreSettings.fromConfig(config)
        let pluginAccess = try PluginAccessSettings.fromConfig(config)
        let pluginKeysConfigured = PluginKeyStoreSettings.isConfigured(in: config)
        let server: HMACTokenManager
        let kind: TokenManagerSelection.Kind
        var signsServerTokens = true
        if let manager = try configuredManager(config: config, logger: logger, clock: clock) {
            server = manager
            kind = .configuredKeys(count: manager.keyCount)
        } else if environment == .production {
            guard pluginKeysConfigured || !external.entries.isEmpty else {
                throw TokenManagerConfigurationError.productionRequiresKeys
            }
            // No shared key: a random one that nobody else knows keeps the legacy entries' verifier in one piece
            // (it matches no token), and nothing is signed with it.
            let secret = ServerSecret(name: "none", bytes: try SecureRandom.bytes(count: 32))
            ServerTokenManager.logWarnings(of: external.legacyKeys.map(\.secret), to: logger)
            server = HMACTokenManager(
                signingSecret: secret, additionalSecrets: [], legacy: external.legacyKeys, clock: clock)
            kind = .noSharedKey
            signsServerTokens = false
        } else {
            guard config.has(configKey) || !external.entries.isEmpty || pluginKeysConfigured else {
                if let error = configuresNoCallers(config) { throw error }
                logger.warning("\(serviceAuthDisabledWarning)")
                return TokenManagerSelection(manager: NoopTokenManager(), kind: .noop)
            }
            let secret = ServerSecret(name: "generated", bytes: try SecureRandom.bytes(count: 32))
            logger.warning("\(generatedSecretWarning)")
            ServerTokenManager.logWarnings(of: external.legacyKeys.map(\.secret), to: logger)
            server = HMACTokenManager(
                signingSecret: secret, additionalSecrets: [], legacy: external.legacyKeys, clock: clock)
            kind = .generatedKey
        }
        let staticTokens = external.staticTokens
        let jwks = external.jwksVerifiers(source: keySetSource, clock: clock, logger: logger)
        let manager: any TokenManager =
            staticTokens.isEmpty && jwks.isEmpty && signsServerTokens
            ? server
            : ExternalAccessTokenManager(
                server: server, staticTokens: staticTokens, jwks: jwks, signsServerTokens: signsServerTokens)
        // The static store's files are read now, so that a bad one stops startup with its key and file named.
        let staticKeys = pluginKeyStore.type == .static ? try pluginKeyStore.staticKeySource() : nil
        return TokenManagerSelection(
            manager: manager, kind: kind, externalAccessCount: external.entries.count,
            pluginKeyStore: pluginKeyStore, staticPluginKeys: staticKeys, pluginAccess: pluginAccess)
    }

    /// Every problem ``resolve(config:logger:environment:clock:keySetSource:)`` would stop at, each secret and externalAccess
    /// entry checked on its own so that one bad key does not hide another; empty when the host would start.
    public static func problems(in config: Config, environment: BackendEnvironment) -> [String] {
        let keys: [Config]?
        var problems: [String] = []
        do {
            keys = try config.getOptionalConfigArray(configKey)
        } catch {
            return ["\(error)"] + ExternalAccessSettings.problems(in: config)
        }
        for key in keys ?? [] {
            do {
                _ = try decode(key)
            } catch {
                problems.append("\(error)")
            }
        }
        problems += ExternalAccessSettings.problems(in: config)
        problems += PluginKeyStoreSettings.problems(in: config)
        problems += PluginAccessSettings.problems(in: config)
        let noOtherCallers = listsNoExternalAccessEntries(config) && !PluginKeyStoreSettings.isConfigured(in: config)
        if environment == .production && (keys ?? []).isEmpty && noOtherCallers {
            problems.append(TokenManagerConfigurationError.productionRequiresKeys.message)
        } else if keys == nil, noOtherCallers, let error = configuresNoCallers(config) {
            problems.append(error.message)
        }
        return problems
    }

    /// The error for a `backend.auth` that is present but has neither `keys` nor `externalAccess` entries (checked
    /// where neither is there): such a section would silently turn auth off, so it is refused. `nil` when
    /// `backend.auth` is absent (or `null`).
    private static func configuresNoCallers(_ config: Config) -> TokenManagerConfigurationError? {
        guard config.has(authKey) else { return nil }
        let location = config.source(of: authKey)?.location ?? "config"
        return TokenManagerConfigurationError(
            "\(authKey) in \(location) configures no keys and no externalAccess entries, so it would turn "
                + "service-to-service auth off: list secrets under \(configKey) (an empty list generates a key in "
                + "development) or callers under \(externalAccessKey), or remove \(authKey) to run without auth "
                + "(development only)")
    }

    /// Whether `backend.auth.externalAccess` is absent or an empty list (not when it cannot be read: that is a
    /// problem of its own).
    private static func listsNoExternalAccessEntries(_ config: Config) -> Bool {
        do {
            return try config.getOptionalConfigArray(externalAccessKey)?.isEmpty ?? true
        } catch {
            return false
        }
    }

    /// The decoded `backend.auth.keys[].secret`s in order; `nil` when the key is absent.
    private static func decodedSecrets(_ config: Config) throws -> [ServerSecret]? {
        try config.getOptionalConfigArray(configKey)?.map(decode)
    }

    private static func decode(_ element: Config) throws -> ServerSecret {
        let name = element.prefix.isEmpty ? "secret" : "\(element.prefix).secret"
        return try ServerSecret.decode(try element.getString("secret"), name: name)
    }
}

/// The token manager a backend uses, chosen by ``TokenManagerPolicy``.
public struct TokenManagerSelection: Sendable {
    /// Which row of the policy's table applied.
    public enum Kind: Sendable, Equatable, CustomStringConvertible {
        /// `backend.auth.keys` absent in development: authentication disabled.
        case noop
        /// `backend.auth.keys` with this many secrets.
        case configuredKeys(count: Int)
        /// `backend.auth.keys` empty in development: a random key generated for this process.
        case generatedKey
        /// No `backend.auth.keys` in production, but `externalAccess` entries or a `pluginKeyStore`: calls carry
        /// plugin tokens only, and no legacy server token is signed.
        case noSharedKey

        /// A short label for startup logs: `noop`, `server (2 keys)`, `server (generated key)`.
        public var description: String {
            switch self {
            case .noop: "noop"
            case .configuredKeys(let count): "server (\(count) \(count == 1 ? "key" : "keys"))"
            case .generatedKey: "server (generated key)"
            case .noSharedKey: "plugin keys only (no backend.auth.keys)"
            }
        }
    }

    /// The manager to use.
    public let manager: any TokenManager
    /// Why this manager was chosen.
    public let kind: Kind
    /// How many `backend.auth.externalAccess` entries the manager accepts besides the keys.
    public let externalAccessCount: Int
    /// `backend.auth.pluginKeyStore` (its defaults when absent); `nil` when auth is off (noop), when no plugin
    /// tokens are issued or accepted.
    public let pluginKeyStore: PluginKeyStoreSettings?
    /// The keys of a `static` plugin key store, loaded from their files; `nil` for the database store.
    public let staticPluginKeys: StaticPluginKeySource?
    /// `backend.auth.pluginAccess`.
    public let pluginAccess: PluginAccessSettings

    /// A selection.
    public init(
        manager: any TokenManager, kind: Kind, externalAccessCount: Int = 0,
        pluginKeyStore: PluginKeyStoreSettings? = nil, staticPluginKeys: StaticPluginKeySource? = nil,
        pluginAccess: PluginAccessSettings = .unrestricted
    ) {
        self.manager = manager
        self.kind = kind
        self.externalAccessCount = externalAccessCount
        self.pluginKeyStore = kind == .noop ? nil : pluginKeyStore
        self.staticPluginKeys = kind == .noop ? nil : staticPluginKeys
        self.pluginAccess = pluginAccess
    }

    /// The server token manager, when the policy chose one that signs (configured or generated keys); `nil` for
    /// noop and when there is no shared key.
    public var serverManager: HMACTokenManager? {
        if let manager = manager as? HMACTokenManager { return manager }
        guard let external = manager as? ExternalAccessTokenManager, external.signsServerTokens else { return nil }
        return external.server
    }

    /// The kind, with the externalAccess entries when there are any: `server (1 key) + 2 externalAccess entries`.
    public var summary: String {
        switch externalAccessCount {
        case 0: "\(kind)"
        case 1: "\(kind) + 1 externalAccess entry"
        default: "\(kind) + \(externalAccessCount) externalAccess entries"
        }
    }
}
