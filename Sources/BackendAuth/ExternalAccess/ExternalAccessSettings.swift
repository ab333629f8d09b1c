import BackendConfig
import Logging

/// `backend.auth.externalAccess`, read once for ``TokenManagerPolicy`` (the only reader, so the host, `topology` and
/// `config check` agree): the `legacy` entries' secrets and the `static` entries' digests, each with its principal.
///
/// ```yaml
/// backend:
///   auth:
///     externalAccess:
///       - type: static
///         options: {token: ${CI_TOKEN}, subject: ci}
///         accessRestrictions: [{plugin: catalog}]
///       - type: legacy
///         options: {secret: ${SCAFFOLDER_SECRET}, subject: scaffolder}
/// ```
struct ExternalAccessSettings: Sendable {
    /// The config key.
    static let configKey = "backend.auth.externalAccess"

    /// Every entry in config order.
    let entries: [ExternalAccessEntry]

    /// No entries (the key is absent or empty).
    static let none = ExternalAccessSettings(entries: [])

    /// The `static` entries.
    var staticTokens: StaticTokenSet {
        StaticTokenSet(
            entries: entries.compactMap { entry in
                guard case .staticToken(let digest) = entry.method, let principal = entry.principal else { return nil }
                return StaticTokenSet.Entry(digest: digest, principal: principal)
            })
    }

    /// The `legacy` entries' secrets, each with its principal.
    var legacyKeys: [(secret: ServerSecret, principal: ServicePrincipal)] {
        entries.compactMap { entry in
            guard case .legacy(let secret) = entry.method, let principal = entry.principal else { return nil }
            return (secret, principal)
        }
    }

    /// A verifier per `jwks` entry, each with its own key set cache fed by `source` and logging fetch failures to
    /// `logger`.
    func jwksVerifiers(source: (any JSONWebKeySetSource)?, clock: any WallClock, logger: Logger) -> [JWKSVerifier] {
        entries.compactMap { entry in
            guard case .jwks(let options) = entry.method else { return nil }
            let cache = JWKSKeyCache(
                url: options.url, source: source, clock: clock, logger: logger, entryKey: entry.key)
            return JWKSVerifier(options: options, cache: cache, clock: clock)
        }
    }

    /// The entries of `config`.
    ///
    /// - Throws: the first problem ``problems(in:)`` lists.
    static func fromConfig(_ config: Config) throws -> ExternalAccessSettings {
        let entries = try (config.getOptionalConfigArray(configKey) ?? []).map(ExternalAccessEntry.init(config:))
        if let duplicate = duplicateStaticTokens(entries).first { throw duplicate }
        return ExternalAccessSettings(entries: entries)
    }

    /// Every problem of the section, each entry checked on its own; empty when it is valid.
    static func problems(in config: Config) -> [String] {
        let items: [Config]
        do {
            items = try config.getOptionalConfigArray(configKey) ?? []
        } catch {
            return ["\(error)"]
        }
        var problems: [String] = []
        var entries: [ExternalAccessEntry] = []
        for item in items {
            do {
                entries.append(try ExternalAccessEntry(config: item))
            } catch {
                problems.append("\(error)")
            }
        }
        return problems + duplicateStaticTokens(entries).map(\.message)
    }

    /// `Static externalAccess token was declared more than once`, for each repetition after the first.
    private static func duplicateStaticTokens(_ entries: [ExternalAccessEntry]) -> [TokenManagerConfigurationError] {
        var seen: [[UInt8]] = []
        var errors: [TokenManagerConfigurationError] = []
        for entry in entries {
            guard case .staticToken(let digest) = entry.method else { continue }
            if seen.contains(digest) {
                errors.append(
                    TokenManagerConfigurationError(
                        "Static externalAccess token was declared more than once (at '\(entry.key).options.token')"))
            }
            seen.append(digest)
        }
        return errors
    }
}
