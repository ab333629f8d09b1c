import BackendConfig
import BackendKit
import Foundation
import Logging

/// How a ``BackendHost`` starts: config, environment, plugins, token manager and logging.
///
/// Every property has a default, so `BackendHostOptions()` reads `app-config.yaml` (and
/// `app-config.local.yaml`) from the working directory, `BACKEND_ENV` from the process environment and
/// runs every plugin it is given.
public struct BackendHostOptions: Sendable {
    /// Config files (`--config`); empty means `app-config.yaml` plus `app-config.local.yaml` if present.
    public var configPaths: [String]
    /// A ready config to use instead of loading files (tests, code-built hosts).
    public var config: Config?
    /// The environment; `nil` reads `BACKEND_ENV` from ``processEnvironment`` (default `development`).
    public var environment: BackendEnvironment?
    /// Variables for `${VAR}` substitution, `APP_CONFIG_*` overrides and `BACKEND_ENV`.
    public var processEnvironment: [String: String]
    /// The directory relative config paths are resolved against; `nil` is the current directory.
    public var workingDirectory: String?
    /// Ids of the plugins to run, in any order; `nil` runs all plugins given to the host.
    /// An id that matches no plugin is a startup error.
    public var pluginIds: [String]?
    /// A token manager to use instead of the one `backend.auth.keys` selects (for example
    /// `ServerTokenManager.noop()`).
    public var tokenManager: (any TokenManager)?
    /// The host's logger; `nil` creates one labelled `backend` at ``logLevel``.
    public var logger: Logger?
    /// The level of the logger the host creates when ``logger`` is `nil`.
    public var logLevel: Logger.Level
    /// Overrides the host of `backend.listen`.
    public var listenHost: String?
    /// Overrides the port of `backend.listen`; `0` binds a free port (tests).
    public var listenPort: Int?
    /// Whether SIGTERM and SIGINT trigger a graceful shutdown (turn off for in-process tests).
    public var handlesSignals: Bool
    /// How long a graceful shutdown may take (in-flight requests, background work) before the remaining
    /// work is cancelled.
    public var shutdownGracePeriod: Duration

    /// Creates options; see each property for its default.
    public init(
        configPaths: [String] = [],
        config: Config? = nil,
        environment: BackendEnvironment? = nil,
        processEnvironment: [String: String] = ProcessInfo.processInfo.environment,
        workingDirectory: String? = nil,
        pluginIds: [String]? = nil,
        tokenManager: (any TokenManager)? = nil,
        logger: Logger? = nil,
        logLevel: Logger.Level = .info,
        listenHost: String? = nil,
        listenPort: Int? = nil,
        handlesSignals: Bool = true,
        shutdownGracePeriod: Duration = .seconds(30)
    ) {
        self.configPaths = configPaths
        self.config = config
        self.environment = environment
        self.processEnvironment = processEnvironment
        self.workingDirectory = workingDirectory
        self.pluginIds = pluginIds
        self.tokenManager = tokenManager
        self.logger = logger
        self.logLevel = logLevel
        self.listenHost = listenHost
        self.listenPort = listenPort
        self.handlesSignals = handlesSignals
        self.shutdownGracePeriod = shutdownGracePeriod
    }
}
