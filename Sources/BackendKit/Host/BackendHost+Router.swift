import AsyncHTTPClient

/// What every plugin's environment is built from.
struct PluginContext: Sendable {
    let config: Config
    let environment: BackendEnvironment
    let tokenManager: any TokenManager
    let discovery: HostDiscovery
    let httpClient: HTTPClient
    let clientConfiguration: ServiceClientConfiguration
    let databases: DatabaseManager
    let logger: Logger
}

/// The router with every plugin mounted, and the plugins' background work.
struct BuiltRouter {
    let router: Router<BackendRequestContext>
    let backgroundServices: [BackgroundService]
}

extension BackendHost {
    /// The mount path of a plugin.
    static func mountPath(_ pluginId: String) -> String { "/api/\(pluginId)" }

    /// Builds the router: request handling, `/healthcheck`, then each plugin under `/api/<id>`.
    func buildRouter(
        plugins: [any BackendPlugin], context: PluginContext, gate: ListeningGate
    ) async throws
        -> BuiltRouter
    {
        let router = Router(context: BackendRequestContext.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: RequestHandlingMiddleware(logger: context.logger))
        let healthy = ByteBuffer(string: #"{"status":"ok"}"#)
        router.get("/healthcheck") { _, _ in EncodedJSONBody(healthy) }

        let authenticator = ServiceAuthenticator(tokenManager: context.tokenManager)
        var backgroundServices: [BackgroundService] = []
        for plugin in plugins {
            var pluginLogger = context.logger
            pluginLogger[metadataKey: "plugin"] = .string(plugin.id)
            let routes = PluginRoutes(pluginId: plugin.id, authenticator: authenticator, logger: pluginLogger)
            let environment = PluginEnvironment(
                pluginId: plugin.id,
                logger: pluginLogger,
                config: context.config,
                environment: context.environment,
                tokenManager: context.tokenManager,
                discovery: context.discovery,
                database: try context.databases.database(for: plugin.id),
                client: ServiceClient(
                    httpClient: context.httpClient,
                    discovery: context.discovery,
                    tokenManager: context.tokenManager,
                    configuration: context.clientConfiguration,
                    logger: pluginLogger
                )
            )
            do {
                try await plugin.register(routes, environment)
            } catch {
                throw BackendStartupError("Plugin '\(plugin.id)' failed to start: \(PluginDatabase.describe(error))")
            }
            let mountPath = Self.mountPath(plugin.id)
            router.group(RouterPath(mountPath))
                .add(middleware: PluginScopeMiddleware(mountPath: mountPath))
                .addRoutes(routes.collection)
            backgroundServices += routes.backgroundServices.map { service in
                var service = service
                service.gate = gate
                return service
            }
            context.logger.info("Mounted plugin '\(plugin.id)' at \(mountPath)")
        }
        return BuiltRouter(router: router, backgroundServices: backgroundServices)
    }

    /// The Hummingbird application; logs `Listening on host:port` with the bound port.
    func makeApplication(
        router: Router<BackendRequestContext>,
        listen: ListenAddress,
        discovery: HostDiscovery,
        gate: ListeningGate,
        logger: Logger
    ) -> Application<RouterResponder<BackendRequestContext>> {
        // Hummingbird logs its own start and stop lines at info; the host logs its own instead.
        var serverLogger = logger
        if logger.logLevel > .debug {
            serverLogger.logLevel = max(logger.logLevel, .warning)
        }
        return Application(
            router: router,
            server: HTTPServerLimits.serverBuilder,
            configuration: ApplicationConfiguration(address: .hostname(listen.host, port: listen.port)),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? listen.port
                discovery.setBoundPort(port)
                logger.info("Listening on \(ListenAddress(host: listen.host, port: port))")
                gate.open(port: port)
            },
            logger: serverLogger
        )
    }
}
