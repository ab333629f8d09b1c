import BackendConfig
import Logging

/// Factories for the token managers (Backstage's `ServerTokenManager.noop()` / `.fromConfig()`).
public enum ServerTokenManager {
    /// The warning logged when a development host generates its own key.
    public static let generatedSecretWarning =
        "Generated a secret for service-to-service authentication: DEVELOPMENT USE ONLY."

    /// A manager that issues empty tokens and accepts everything.
    public static func noop() -> NoopTokenManager {
        NoopTokenManager()
    }

    /// A server token manager for every `backend.auth.keys[].secret`; the first key signs, all verify.
    ///
    /// With `backend.auth.keys` absent or empty, development generates a random 32-byte key and logs
    /// ``generatedSecretWarning``; production throws
    /// ``TokenManagerConfigurationError/productionRequiresKeys``.
    ///
    /// - Throws: `ConfigError` for a missing or mistyped value (e.g.
    ///   `Missing required config value at 'backend.auth.keys[0].secret'`),
    ///   ``TokenManagerConfigurationError`` for an invalid secret or a production host without keys,
    ///   ``SecureRandomError`` if generating a key fails.
    public static func fromConfig(
        _ config: Config, logger: Logger, environment: BackendEnvironment,
        clock: some TokenClock = SystemTokenClock()
    ) throws -> HMACTokenManager {
        let keys = try config.getOptionalConfigArray(configKey) ?? []
        if keys.isEmpty {
            guard environment == .development else { throw TokenManagerConfigurationError.productionRequiresKeys }
            return try generated(logger: logger, clock: clock)
        }
        return try configured(keys, logger: logger, clock: clock)
    }

    /// A server token manager for secrets given directly (the CLI's `--secret S`, repeatable); the
    /// first signs, all verify. Secrets are decoded and checked as configured ones are; warnings go
    /// to `logger` and name the secret as `<sourceName>[i]`.
    ///
    /// - Throws: ``TokenManagerConfigurationError`` when `secrets` is empty or a secret is invalid.
    public static func fromSecrets(
        _ secrets: [String], logger: Logger, clock: some TokenClock = SystemTokenClock(),
        sourceName: String = "--secret"
    ) throws -> HMACTokenManager {
        let decoded = try secrets.enumerated().map { index, secret in
            try ServerSecret.decode(secret, name: "\(sourceName)[\(index)]")
        }
        guard let first = decoded.first else {
            throw TokenManagerConfigurationError("At least one secret is required")
        }
        logWarnings(of: decoded, to: logger)
        return HMACTokenManager(signingSecret: first, additionalSecrets: Array(decoded.dropFirst()), clock: clock)
    }

    /// The config key holding the keys.
    static let configKey = "backend.auth.keys"

    /// A manager for non-empty `backend.auth.keys` elements.
    static func configured(_ keys: [Config], logger: Logger, clock: some TokenClock) throws -> HMACTokenManager {
        let secrets = try keys.map { element in
            try ServerSecret.decode(try element.getString("secret"), name: fullKey(element, "secret"))
        }
        guard let first = secrets.first else { throw TokenManagerConfigurationError.productionRequiresKeys }
        logWarnings(of: secrets, to: logger)
        return HMACTokenManager(signingSecret: first, additionalSecrets: Array(secrets.dropFirst()), clock: clock)
    }

    /// A development manager with a fresh random 32-byte key; logs ``generatedSecretWarning``.
    static func generated(logger: Logger, clock: some TokenClock) throws -> HMACTokenManager {
        let secret = ServerSecret(name: "generated", bytes: try SecureRandom.bytes(count: 32))
        logger.warning("\(generatedSecretWarning)")
        return HMACTokenManager(signingSecret: secret, additionalSecrets: [], clock: clock)
    }

    private static func fullKey(_ config: Config, _ key: String) -> String {
        config.prefix.isEmpty ? key : "\(config.prefix).\(key)"
    }

    private static func logWarnings(of secrets: [ServerSecret], to logger: Logger) {
        for secret in secrets {
            for warning in secret.warnings { logger.warning("\(warning)") }
        }
    }
}
