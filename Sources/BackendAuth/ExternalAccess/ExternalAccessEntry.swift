import BackendConfig
import Foundation

/// One entry of `backend.auth.externalAccess`: how a caller's token is recognised and who the caller then is.
///
/// Read by ``ExternalAccessSettings`` only; the messages are Backstage's, followed by the config key they are
/// about (never the token or secret itself).
struct ExternalAccessEntry: Sendable {
    /// How the token is recognised.
    enum Method: Sendable {
        /// `type: static`: a fixed token, kept only as its SHA-256 digest.
        case staticToken(digest: [UInt8])
        /// `type: legacy`: an HS256 `backstage-server` token signed with this secret.
        case legacy(ServerSecret)
        /// `type: jwks`: a JWT signed by a key of a remote key set.
        case jwks(JWKSOptions)
    }

    /// The entry types, in the order messages list them.
    static let types = ["static", "legacy", "jwks"]

    /// How the token is recognised.
    let method: Method
    /// The caller an accepted token identifies, with the entry's restrictions; `nil` for `jwks`, whose caller is
    /// named by each token's `sub`.
    let principal: ServicePrincipal?
    /// The entry's config key (`backend.auth.externalAccess[0]`), for messages.
    let key: String

    /// Reads one entry.
    ///
    /// - Throws: `ConfigError` for missing or mistyped values, ``TokenManagerConfigurationError`` for an invalid
    ///   value (Backstage's message, then ` (at '<key>')`).
    init(config: Config) throws {
        key = config.prefix
        let type = try config.getString("type")
        let options = try config.getConfig("options")
        switch type {
        case "static":
            let token = try options.getString("token")
            guard Self.isNonSpace(token) else {
                throw Self.invalid("Illegal token, must be a set of non-space characters", options, "token")
            }
            guard token.utf16.count >= 8 else {
                throw Self.invalid("Illegal token, must be at least 8 characters length", options, "token")
            }
            method = .staticToken(digest: SHA256Digest.hash(token))
        case "legacy":
            let secret = try options.getString("secret")
            do {
                method = .legacy(try ServerSecret.decode(secret, name: "\(options.prefix).secret"))
            } catch {
                throw Self.invalid("Illegal secret, must be a valid base64 string", options, "secret")
            }
        case "jwks":
            method = .jwks(try Self.jwksOptions(options, restrictions: try Self.accessRestrictions(config)))
            principal = nil
            return
        default:
            let expected = Self.types.map { "'\($0)'" }.joined(separator: ", ")
            throw TokenManagerConfigurationError(
                "Unknown type '\(type)' in \(ExternalAccessSettings.configKey), expected one of \(expected)")
        }
        let subject = try options.getString("subject")
        guard Self.isNonSpace(subject) else {
            throw Self.invalid("Illegal subject, must be a set of non-space characters", options, "subject")
        }
        principal = ServicePrincipal(subject: subject, accessRestrictions: try Self.accessRestrictions(config))
    }

    /// The options of a `jwks` entry.
    private static func jwksOptions(
        _ options: Config, restrictions: PluginAccessRestrictions?
    ) throws -> JWKSOptions {
        let url = try options.getString("url")
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""),
            parsed.host?.isEmpty == false
        else {
            throw invalid("Illegal URL, must be an http or https URL", options, "url")
        }
        let names = try stringList(options, "algorithm") ?? [JWKSAlgorithm.rs256.rawValue]
        let algorithms = try names.map { name in
            guard let algorithm = JWKSAlgorithm(rawValue: name) else {
                let expected = JWKSAlgorithm.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
                throw invalid("Illegal algorithm '\(name)', expected one of \(expected)", options, "algorithm")
            }
            return algorithm
        }
        let subjectPrefix = try options.getOptionalString("subjectPrefix")
        if let subjectPrefix, !isNonSpace(subjectPrefix) {
            throw invalid("Illegal subjectPrefix, must be a set of non-space characters", options, "subjectPrefix")
        }
        return JWKSOptions(
            url: url, algorithms: algorithms, issuers: try stringList(options, "issuer") ?? [],
            audiences: try stringList(options, "audience") ?? [], subjectPrefix: subjectPrefix,
            restrictions: restrictions)
    }

    /// A string split at commas and whitespace, or an array of strings; `nil` when absent.
    private static func stringList(_ options: Config, _ key: String) throws -> [String]? {
        if case .array? = options.getOptional(key) { return try options.getStringArray(key) }
        return try options.getOptionalString(key)?.split(whereSeparator: { $0 == "," || $0.isWhitespace })
            .map(String.init)
    }

    /// `accessRestrictions: [{plugin: <id>}, …]`, or `nil` when absent.
    private static func accessRestrictions(_ config: Config) throws -> PluginAccessRestrictions? {
        guard let items = try config.getOptionalConfigArray("accessRestrictions") else { return nil }
        guard !items.isEmpty else {
            throw TokenManagerConfigurationError(
                "'accessRestrictions' must list at least one plugin; remove it to allow every plugin "
                    + "(at '\(config.prefix).accessRestrictions')")
        }
        var pluginIds: [String] = []
        for item in items {
            for key in item.keys() where key != "plugin" {
                throw TokenManagerConfigurationError(
                    "Invalid key '\(key)' in 'accessRestrictions' config, expected 'plugin' (at '\(item.prefix)')")
            }
            let pluginId = try item.getString("plugin")
            guard !pluginIds.contains(pluginId) else {
                throw TokenManagerConfigurationError(
                    "Plugin '\(pluginId)' is listed more than once in 'accessRestrictions' (at '\(item.prefix).plugin')"
                )
            }
            pluginIds.append(pluginId)
        }
        return PluginAccessRestrictions(pluginIds: pluginIds)
    }

    /// Backstage's `/^\S+$/`: non-empty, no whitespace.
    private static func isNonSpace(_ text: String) -> Bool {
        !text.isEmpty && !text.contains(where: \.isWhitespace)
    }

    private static func invalid(_ message: String, _ options: Config, _ key: String) -> TokenManagerConfigurationError {
        TokenManagerConfigurationError("\(message) (at '\(options.prefix).\(key)')")
    }
}
