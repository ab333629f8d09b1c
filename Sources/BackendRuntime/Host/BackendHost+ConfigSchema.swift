import BackendAuth
import BackendConfig
import BackendDatabase
import BackendKit
import Logging

extension BackendHost {
    /// The config keys the host reads itself: `backend.baseUrl`, `backend.listen`, `backend.metrics`,
    /// `backend.client`, `backend.lifecycle`, `discovery`, service-to-service auth (`backend.auth`) and the database
    /// service (`backend.database`).
    public static let configSchema = ConfigSchema(
        merging: [hostKeys, TokenManagerPolicy.configSchema, DatabaseSettings.configSchema])

    /// The sections in which an unknown key is a startup error (in every environment, and for `config check` with or
    /// without `--strict`) rather than a warning: `backend.auth`, where a typo silently changes who may call.
    /// A key whose suggestion lies in such a section (keys dedented out of it) counts as being in it.
    public static let strictConfigSections = [TokenManagerPolicy.authKey]

    /// The host's schema and every plugin's, merged: what `config check`, `config print` and `config schema` use.
    public static func configSchema(plugins: [any BackendPlugin]) -> ConfigSchema {
        ConfigSchema(merging: [configSchema] + plugins.map(\.configSchema))
    }

    /// The unknown keys of `config` by the schema of the host and `plugins`: those in ``strictConfigSections`` as
    /// errors, the others as warnings.
    public static func checkConfigKeys(_ config: Config, plugins: [any BackendPlugin]) -> ConfigKeyCheck {
        ConfigKeyCheck(unknownKeys: configSchema(plugins: plugins).unknownKeys(in: config))
    }

    private static let hostKeys = ConfigSchema([
        .init(
            "backend.baseUrl", type: .string, default: .string(HostDiscovery.defaultBaseUrl),
            description: "The external base URL; a plugin's external URL is <baseUrl>/api/<pluginId>."),
        .init(
            "backend.listen", type: [.integer, .string, .object], default: "127.0.0.1:7007",
            description: "Where the server binds: a port, \"host:port\" or {host, port} (port 0 picks a free port)."),
        .init(
            "backend.listen.host", type: .string, default: .string(ListenAddress.defaultHost),
            description: "The interface the server binds."),
        .init(
            "backend.listen.port", type: .integer, default: .int(ListenAddress.defaultPort),
            description: "The port the server binds."),
        .init("backend.metrics", type: .object, description: "Prometheus metrics."),
        .init(
            "backend.metrics.listen", type: [.integer, .string, .object],
            description: "Where GET /metrics is served: a port, \"host:port\" or {host, port}. Absent: no metrics."),
        .init(
            "backend.metrics.listen.host", type: .string, default: .string(ListenAddress.defaultHost),
            description: "The interface the metrics listener binds."),
        .init(
            "backend.metrics.listen.port", type: .integer, default: .int(BackendMetrics.defaultPort),
            description: "The port the metrics listener binds."),
        .init("backend.client", type: .object, description: "Timeouts of the client plugins call each other with."),
        .init(
            "backend.client.connectTimeout", type: .duration, default: "5s",
            description: "Time to establish a connection."),
        .init(
            "backend.client.readTimeout", type: .duration, default: "30s",
            description: "Longest silence while waiting for response bytes."),
        .init(
            "backend.client.requestTimeout", type: .duration, default: "60s",
            description: "Deadline of a whole call, body included."),
        .init("backend.lifecycle", type: .object, description: "Startup and shutdown."),
        .init(
            "backend.lifecycle.serverShutdownDelay", type: .duration, default: 0,
            description: "After SIGTERM, how long the server keeps serving with readiness at 503 before it drains."),
        .init("discovery", type: .object, description: "Where plugins that run elsewhere are."),
        .init(
            "discovery.endpoints", type: .array,
            description: "Plugins served by other backends; the others are served by this one."),
        .init(
            "discovery.endpoints[].target", type: [.string, .object],
            description: "The plugins' base URL (`{{pluginId}}` is substituted), or {internal, external}."),
        .init(
            "discovery.endpoints[].target.internal", type: .string,
            description: "The URL this backend calls the plugins at."),
        .init(
            "discovery.endpoints[].target.external", type: .string,
            description: "The URL others are told to call the plugins at."),
        .init("discovery.endpoints[].plugins", type: .array, description: "The plugin ids the endpoint serves."),
    ])
}

/// The unknown keys of a config, split into errors and warnings by ``BackendHost/strictConfigSections``.
///
/// Each one's message is `Unknown key '<key>' in <file>:<line>; did you mean '<key>'?` (the suggestion when one is
/// close); an error adds why it is refused.
public struct ConfigKeyCheck: Sendable, Equatable {
    /// Every unknown key, in config order.
    public let unknownKeys: [UnknownConfigKey]

    /// Splits `unknownKeys` by ``BackendHost/strictConfigSections``.
    public init(unknownKeys: [UnknownConfigKey]) {
        self.unknownKeys = unknownKeys
    }

    /// The unknown keys in a strict section (or suggested into one).
    public var strictKeys: [UnknownConfigKey] {
        unknownKeys.filter(Self.isStrict)
    }

    /// The other unknown keys: warnings, or errors under `config check --strict`.
    public var otherKeys: [UnknownConfigKey] {
        unknownKeys.filter { !Self.isStrict($0) }
    }

    /// The messages of the keys that stop startup: the unknown key, then why it is refused, for example
    /// `Unknown key 'backend.auth.keyz' in app-config.local.yaml:3; did you mean 'backend.auth.keys'? (unknown keys
    /// in backend.auth are refused: a typo there silently changes who may call)`.
    public var errors: [String] {
        strictKeys.map { unknown in
            let section = BackendHost.strictConfigSections.first(where: unknown.concerns) ?? "this section"
            return "\(unknown) (unknown keys in \(section) are refused: a typo there silently changes who may call)"
        }
    }

    /// The messages of the other keys.
    public var warnings: [String] {
        otherKeys.map(\.description)
    }

    private static func isStrict(_ unknown: UnknownConfigKey) -> Bool {
        BackendHost.strictConfigSections.contains(where: unknown.concerns)
    }
}

extension BackendHost {
    /// Logs each unknown key of `config` once as a warning, and refuses to start when one is in a strict section
    /// (every plugin the binary has counts, also those not selected: a shared config may hold their sections).
    ///
    /// - Throws: ``BackendStartupError`` listing the unknown keys in strict sections, one per line.
    func checkConfigKeys(_ config: Config, plugins: [any BackendPlugin], logger: Logger) throws {
        let check = Self.checkConfigKeys(config, plugins: plugins)
        for warning in check.warnings {
            logger.warning("\(warning)")
        }
        guard check.errors.isEmpty else {
            throw BackendStartupError(check.errors.joined(separator: "\n"))
        }
    }
}
