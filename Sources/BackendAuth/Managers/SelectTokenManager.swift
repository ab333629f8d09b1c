import BackendConfig
import Logging

/// The warning logged when a development host runs without `backend.auth.keys`.
public let serviceAuthDisabledWarning =
    "Service-to-service authentication is disabled because backend.auth.keys is not configured; "
    + "every request is accepted without a token. DEVELOPMENT USE ONLY."

/// Chooses the host's token manager from `backend.auth.keys` by DESIGN.md's table:
///
/// | `backend.auth.keys` | development | production |
/// |---|---|---|
/// | one or more secrets | server manager | server manager |
/// | present but empty | generated random key + warning | throws |
/// | absent | noop + warning | throws |
///
/// The production error is ``TokenManagerConfigurationError/productionRequiresKeys``:
/// `You must configure at least one key in backend.auth.keys for production.`
///
/// - Throws: `ConfigError` for missing/mistyped values, ``TokenManagerConfigurationError`` for an
///   invalid secret or a production host without keys, ``SecureRandomError`` if key generation fails.
public func selectTokenManager(
    config: Config, logger: Logger, environment: BackendEnvironment, clock: some TokenClock = SystemTokenClock()
) throws -> TokenManagerSelection {
    guard let keys = try config.getOptionalConfigArray(ServerTokenManager.configKey) else {
        guard environment == .development else { throw TokenManagerConfigurationError.productionRequiresKeys }
        logger.warning("\(serviceAuthDisabledWarning)")
        return TokenManagerSelection(manager: ServerTokenManager.noop(), kind: .noop)
    }
    if keys.isEmpty {
        guard environment == .development else { throw TokenManagerConfigurationError.productionRequiresKeys }
        return TokenManagerSelection(
            manager: try ServerTokenManager.generated(logger: logger, clock: clock), kind: .generatedKey)
    }
    let manager = try ServerTokenManager.configured(keys, logger: logger, clock: clock)
    return TokenManagerSelection(manager: manager, kind: .configuredKeys(count: manager.keyCount))
}
