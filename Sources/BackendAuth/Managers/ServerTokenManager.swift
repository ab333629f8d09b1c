import BackendConfig
import Logging

/// Factories for the token managers (Backstage's `ServerTokenManager.noop()`). A manager from config comes from
/// ``TokenManagerPolicy/resolve(config:logger:environment:clock:keySetSource:)``, the one place that reads `backend.auth.keys`.
public enum ServerTokenManager {
    /// The warning logged when a development host generates its own key.
    public static let generatedSecretWarning =
        "Generated a secret for service-to-service authentication: DEVELOPMENT USE ONLY."

    /// A manager that issues empty tokens and accepts everything.
    public static func noop() -> NoopTokenManager {
        NoopTokenManager()
    }

    /// A server token manager for secrets given directly (the CLI's `--secret S`, repeatable); the
    /// first signs, all verify. Secrets are decoded and checked as configured ones are; warnings go
    /// to `logger` and name the secret as `<sourceName>[i]`.
    ///
    /// - Throws: ``TokenManagerConfigurationError`` when `secrets` is empty or a secret is invalid.
    public static func fromSecrets(
        _ secrets: [String], logger: Logger, clock: some WallClock = SystemClock(),
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

    static func logWarnings(of secrets: [ServerSecret], to logger: Logger) {
        for secret in secrets {
            for warning in secret.warnings { logger.warning("\(warning)") }
        }
    }
}
