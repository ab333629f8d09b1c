import AsyncHTTPClient
import Foundation
import NIOPosix
import UnixSignals

extension BackendHost {
    /// Performs startup up to (not including) binding; plugins register once the server listens.
    ///
    /// - Throws: ``BackendStartupError`` with the reason.
    func prepare(plugins allPlugins: [any BackendPlugin], handlesSignals: Bool) async throws -> PreparedBackend {
        if let argumentError { throw argumentError }
        let environment = try startupStep {
            try options.environment ?? BackendEnvironment.fromProcess(options.processEnvironment)
        }
        let logger =
            try options.logger
            ?? Self.makeLogger(
                level: options.logLevel,
                format: LogFormat.resolve(environment: environment, variables: options.processEnvironment))

        let config = try startupStep { try loadConfig(logger: logger) }
        logger.info("Environment: \(environment.rawValue)")
        try checkConfigKeys(config, plugins: allPlugins, logger: logger)

        let plugins = try selectPlugins(allPlugins)
        let databases = DatabaseManager(config: config, logger: logger)
        let pluginDatabases = try plugins.map { plugin in try startupStep { try databases.database(for: plugin.id) } }
        let (tokenManager, tokenManagerKind) = try startupStep {
            try makeTokenManager(config: config, environment: environment, logger: logger)
        }
        logger.info("Service-to-service auth: \(tokenManagerKind)")

        var listen = try startupStep { try ListenAddress.fromConfig(config) }
        if let host = options.listenHost { listen.host = host }
        if let port = options.listenPort { listen.port = port }
        let discovery = try startupStep { try HostDiscovery.fromConfig(config, listen: listen) }
        let metricsListen = try startupStep { try BackendMetrics.listenAddress(in: config) }
        let metrics = metricsListen == nil ? BackendMetrics.disabled : BackendMetrics.prometheus()
        metrics.collectDatabaseConnections(pluginDatabases)
        let clientConfiguration = try startupStep { try ServiceClientConfiguration.fromConfig(config) }

        let httpClient = HTTPClient(
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            configuration: HTTPClient.Configuration(
                redirectConfiguration: .disallow,
                timeout: HTTPClient.Configuration.Timeout(
                    connect: ServiceClient.timeAmount(clientConfiguration.connectTimeout),
                    read: ServiceClient.timeAmount(clientConfiguration.readTimeout)
                )
            )
        )
        do {
            let shutdownDelay =
                try startupStep { try config.getOptionalDuration("backend.lifecycle.serverShutdownDelay") } ?? .zero
            let gate = ListeningGate()
            let ready = ListeningGate()
            let health = HostHealth()
            let responder = HostResponder(
                startup: Self.startupRouter(health: health).buildResponder(),
                handling: RequestHandling(logger: logger, metrics: metrics))
            let context = PluginContext(
                config: config,
                environment: environment,
                tokenManager: tokenManager,
                discovery: discovery,
                httpClient: httpClient,
                clientConfiguration: clientConfiguration,
                databases: databases,
                metrics: metrics,
                logger: logger
            )
            let host = self
            let runtime = PluginRuntime(
                register: { try await host.buildRouter(plugins: plugins, context: context, health: health) },
                responder: responder, health: health, listening: gate, ready: ready, logger: logger)
            let application = makeApplication(
                responder: responder, listen: listen, discovery: discovery, gate: gate, logger: logger)

            // Graceful shutdown runs from the last service to the first: the delay (readiness already 503), then
            // the server (in-flight requests drain), then the plugins' background work.
            // The metrics listener comes first, so it stops last and a scrape during shutdown still answers.
            let metricsGate = metricsListen.map { _ in ListeningGate() }
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
            if let metricsListen, let metricsGate {
                services.append(
                    .init(
                        service: MetricsServer(
                            metrics: metrics, listen: metricsListen, gate: metricsGate, logger: logger)))
            }
            services += [
                .init(
                    service: runtime, successTerminationBehavior: .ignore,
                    failureTerminationBehavior: .gracefullyShutdownGroup),
                // A server that cannot bind shuts the group down gracefully, so a metrics listener already up
                // stops cleanly and the bind error is the only one reported.
                .init(
                    service: HostServerService(application: application, gate: gate, metricsGate: metricsGate),
                    failureTerminationBehavior: .gracefullyShutdownGroup),
                .init(service: ShutdownDelayService(health: health, delay: shutdownDelay, logger: logger)),
            ]
            var groupConfiguration = ServiceGroupConfiguration(
                services: services,
                gracefulShutdownSignals: handlesSignals ? [.sigterm, .sigint] : [],
                logger: logger
            )
            groupConfiguration.maximumGracefulShutdownDuration = options.shutdownGracePeriod
            groupConfiguration.maximumCancellationDuration = .seconds(5)

            return PreparedBackend(
                logger: logger,
                listen: listen,
                tokenManager: tokenManager,
                tokenManagerKind: tokenManagerKind,
                discovery: discovery,
                pluginIds: plugins.map(\.id),
                httpClient: httpClient,
                databases: databases,
                gate: gate,
                ready: ready,
                metricsGate: metricsGate,
                serviceGroup: ServiceGroup(configuration: groupConfiguration)
            )
        } catch {
            try? await httpClient.shutdown()
            await databases.shutdown()
            throw error
        }
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

/// Plugin id rules.
enum PluginIdentifier {
    /// True for non-empty ids of ASCII letters, digits, `-`, `_` and `.` (not `.` or `..`).
    static func isValid(_ id: String) -> Bool {
        guard !id.isEmpty, id != ".", id != ".." else { return false }
        return id.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x5F || byte == 0x2E
        }
    }
}
