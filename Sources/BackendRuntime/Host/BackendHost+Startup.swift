import AsyncHTTPClient
import BackendAuth
import BackendConfig
import BackendDatabase
import BackendKit
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import UnixSignals

extension BackendHost {
    /// Performs startup up to (not including) binding, in named steps; plugins register once the server listens.
    ///
    /// - Throws: ``BackendStartupError`` with the reason.
    func prepare(plugins allPlugins: [any BackendPlugin]) async throws -> HostState {
        let (environment, logger) = try resolveEnvironment()
        let config = try startupStep { try loadConfig(logger: logger) }
        logger.info("Environment: \(environment.rawValue)")
        try checkConfigKeys(config, plugins: allPlugins, logger: logger)
        let plugins = try selectPlugins(allPlugins)
        let databases = try openDatabases(config: config, plugins: plugins, logger: logger)
        let network: HostNetwork
        let auth: (manager: any TokenManager, kind: String, selection: TokenManagerSelection?)
        let pluginTokens: PluginTokenAuthority?
        do {
            auth = try startupStep { try makeTokenManager(config: config, environment: environment, logger: logger) }
            logger.info("Service-to-service auth: \(auth.kind)")
            network = try resolveNetwork(config: config)
            pluginTokens = try startupStep {
                try Self.makePluginTokens(
                    selection: auth.selection, plugins: plugins, databases: databases, discovery: network.discovery,
                    logger: logger)
            }
        } catch {
            await databases.shutdown()
            throw error
        }
        let metrics = network.metricsListen == nil ? BackendMetrics.disabled : BackendMetrics.prometheus()
        metrics.collectDatabaseConnections(try plugins.map { try databases.database(for: $0.id) })
        let health = HostHealth()
        return HostState(
            logger: logger, config: config, environment: environment, plugins: plugins, databases: databases,
            tokenManager: auth.manager, tokenManagerKind: auth.kind, pluginTokens: pluginTokens,
            listen: network.listen,
            discovery: network.discovery, metricsListen: network.metricsListen, metrics: metrics,
            clientConfiguration: network.client, httpClient: Self.makeHTTPClient(network.client),
            shutdownDelay: network.shutdownDelay, health: health,
            responder: HostResponder(
                startup: Self.startupRouter(
                    health: health, pluginIds: plugins.map(\.id), pluginTokens: pluginTokens
                ).buildResponder(),
                handling: RequestHandling(logger: logger, metrics: metrics)),
            metricsListening: network.metricsListen.map { _ in StartupSignal() })
    }

    /// The environment (options, else `BACKEND_ENV`) and the host logger in the format the environment selects.
    func resolveEnvironment() throws -> (BackendEnvironment, Logger) {
        let environment = try startupStep {
            try options.environment ?? BackendEnvironment.fromProcess(options.processEnvironment)
        }
        let logger =
            try options.logger
            ?? Self.makeLogger(
                level: options.logLevel,
                format: LogFormat.resolve(environment: environment, variables: options.processEnvironment))
        return (environment, logger)
    }

    /// Every plugin's database, checked (the settings are read, nothing connects yet).
    func openDatabases(config: Config, plugins: [any BackendPlugin], logger: Logger) throws -> DatabaseManager {
        let databases = DatabaseManager(config: config, logger: logger)
        for plugin in plugins {
            _ = try startupStep { try databases.database(for: plugin.id) }
        }
        return databases
    }

    /// Where the host listens and how it reaches plugins: `backend.listen` (with the options' overrides),
    /// discovery, `backend.metrics.listen`, `backend.client.*` and the shutdown delay.
    func resolveNetwork(config: Config) throws -> HostNetwork {
        var listen = try startupStep { try ListenAddress.fromConfig(config) }
        if let host = options.listenHost { listen.host = host }
        if let port = options.listenPort { listen.port = port }
        return HostNetwork(
            listen: listen,
            discovery: try startupStep { try HostDiscovery.fromConfig(config, listen: listen) },
            metricsListen: try startupStep { try BackendMetrics.listenAddress(in: config) },
            client: try startupStep { try ServiceClientConfiguration.fromConfig(config) },
            shutdownDelay: try startupStep {
                try config.getOptionalDuration("backend.lifecycle.serverShutdownDelay")
            } ?? .zero)
    }

    /// The HTTP client plugins call each other with: no redirects, the `backend.client` timeouts.
    static func makeHTTPClient(_ client: ServiceClientConfiguration) -> HTTPClient {
        HTTPClient(
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            configuration: HTTPClient.Configuration(
                redirectConfiguration: .disallow,
                timeout: HTTPClient.Configuration.Timeout(
                    connect: TimeAmount(client.connectTimeout),
                    read: TimeAmount(client.readTimeout)
                )
            )
        )
    }

    /// The host's services: the plugins' databases, the metrics listener, the plugins, the server and the shutdown
    /// delay.
    ///
    /// Graceful shutdown runs from the last service to the first: the delay (readiness already 503), then the
    /// server (in-flight requests drain), then the plugins' background work. The metrics listener comes next to
    /// first, so a scrape during shutdown still answers; the databases (their connection pools) come first and close
    /// last, once nothing uses them.
    func makeServiceGroup(_ state: HostState, handlesSignals: Bool) -> ServiceGroup {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: state.databases)]
        if let metricsListen = state.metricsListen, let metricsListening = state.metricsListening {
            services.append(
                .init(
                    service: MetricsServer(
                        metrics: state.metrics, listen: metricsListen, gate: metricsListening, logger: state.logger)))
        }
        let application = makeApplication(state)
        services += [
            .init(
                service: PluginRuntime(state: state), successTerminationBehavior: .ignore,
                failureTerminationBehavior: .gracefullyShutdownGroup),
            // A server that cannot bind shuts the group down gracefully, so a metrics listener already up stops
            // cleanly and the bind error is the only one reported.
            .init(
                service: HostServerService(
                    application: application, gate: state.listening, metricsGate: state.metricsListening),
                failureTerminationBehavior: .gracefullyShutdownGroup),
            .init(
                service: ShutdownDelayService(health: state.health, delay: state.shutdownDelay, logger: state.logger)),
        ]
        var configuration = ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: handlesSignals ? [.sigterm, .sigint] : [],
            logger: state.logger)
        configuration.maximumGracefulShutdownDuration = options.shutdownGracePeriod
        configuration.maximumCancellationDuration = .seconds(5)
        return ServiceGroup(configuration: configuration)
    }

    /// A logger labelled `backend` at `level` in `format`.
    static func makeLogger(level: Logger.Level, format: LogFormat = .text) -> Logger {
        format.logger(label: "backend", level: level)
    }

    /// Runs `step`, turning any error into a ``BackendStartupError`` with the error's description.
    func startupStep<T>(_ step: () throws -> T) throws -> T {
        do {
            return try step()
        } catch let error as BackendStartupError {
            throw error
        } catch {
            throw BackendStartupError("\(error)")
        }
    }

    /// The config from options or files, logging where it came from.
    func loadConfig(logger: Logger) throws -> Config {
        if let config = options.config {
            logger.info("Using config provided in code")
            return config
        }
        let loader = ConfigLoader(
            environment: options.processEnvironment,
            workingDirectory: options.workingDirectory ?? FileManager.default.currentDirectoryPath
        )
        let loaded = try loader.load(paths: options.configPaths)
        logger.info("Loaded config from \(loaded.files.joined(separator: ", "))")
        return loaded.config
    }

    /// The plugins to run: all, or those named by ``BackendHostOptions/pluginIds``; ids validated.
    func selectPlugins(_ plugins: [any BackendPlugin]) throws -> [any BackendPlugin] {
        try Self.selectPlugins(plugins, ids: options.pluginIds)
    }

    /// The plugins of `plugins` named by `ids` (all when `nil`), in `plugins`' order; the one check of plugin ids,
    /// used by the host at startup and by command-line tools before it.
    ///
    /// - Throws: ``BackendStartupError``: `Unknown plugin '<id>'; available plugins: a, b`, an invalid id, or two
    ///   plugins with one id.
    public static func selectPlugins(_ plugins: [any BackendPlugin], ids: [String]?) throws -> [any BackendPlugin] {
        var seen = Set<String>()
        for plugin in plugins {
            guard PluginIdentifier.isValid(plugin.id) else {
                throw BackendStartupError(
                    "Invalid plugin id '\(plugin.id)'; use letters, digits, '-', '_' and '.'"
                )
            }
            guard seen.insert(plugin.id).inserted else {
                throw BackendStartupError("More than one plugin has the id '\(plugin.id)'")
            }
        }
        guard let wanted = ids else { return plugins }
        for id in wanted where !seen.contains(id) {
            let available = plugins.map(\.id).joined(separator: ", ")
            throw BackendStartupError("Unknown plugin '\(id)'; available plugins: \(available)")
        }
        return plugins.filter { wanted.contains($0.id) }
    }
}
