import AsyncHTTPClient
import BackendConfig
import BackendDatabase
import BackendKit
import Hummingbird
import Logging
import ServiceLifecycle

/// The router with every plugin mounted, and the plugins' background work (their schedulers included).
struct BuiltRouter: Sendable {
    let responder: RouterResponder<BackendRequestContext>
    let backgroundServices: [BackgroundService]
    let pluginCount: Int
}

extension BackendHost {
    /// The router served while plugins register: the health routes, and 503 `Backend has not started yet` under
    /// `/api`.
    static func startupRouter(
        health: HostHealth, pluginIds: [String] = [], pluginTokens: PluginTokenAuthority? = nil
    ) -> Router<BackendRequestContext> {
        let router = Router(context: BackendRequestContext.self, options: .autoGenerateHeadEndpoints)
        health.addRoutes(to: router)
        addKeySetRoute(to: router, pluginIds: pluginIds, pluginTokens: pluginTokens)
        for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete, .options] {
            router.on("/api/**", method: method) { _, _ -> Response in
                throw ServiceUnavailableError("Backend has not started yet")
            }
        }
        return router
    }

    /// Registers every plugin and builds the full router: the health routes, then each plugin
    /// under `/api/<id>` with its scheduler's routes.
    static func buildRouter(_ state: HostState) async throws -> BuiltRouter {
        let (plugins, health) = (state.plugins, state.health)
        let router = Router(context: BackendRequestContext.self, options: .autoGenerateHeadEndpoints)
        health.addRoutes(to: router)
        addKeySetRoute(to: router, pluginIds: state.pluginIds, pluginTokens: state.pluginTokens)

        let authenticator = ServiceAuthenticator(
            tokenManager: state.tokenManager, metrics: state.metrics, pluginTokens: state.pluginTokens)
        let extensions = PluginExtensions(pluginId: "")
        let registrations = try plugins.map { plugin in
            (plugin, try pluginEnvironment(plugin, state, authenticator: authenticator, extensions: extensions))
        }
        // Every contribution first, so that a plugin offering an extension point reads the final list.
        for (plugin, (_, environment)) in registrations {
            do {
                try await plugin.contribute(to: environment.extensions, environment)
            } catch {
                throw BackendStartupError("Plugin '\(plugin.id)' failed to start: \(PluginDatabase.describe(error))")
            }
        }
        extensions.close()
        var backgroundServices: [BackgroundService] = []
        for (plugin, (routes, environment)) in registrations {
            let scheduler = environment.scheduler
            do {
                try await plugin.register(routes, environment)
            } catch {
                throw BackendStartupError("Plugin '\(plugin.id)' failed to start: \(PluginDatabase.describe(error))")
            }
            scheduler.addRoutes(to: routes)
            routes.addBackgroundService(scheduler, name: "scheduler")
            let mountPath = PluginIdentifier.mountPath(plugin.id)
            router.group(RouterPath(mountPath)).addRoutes(routes.collection)
            backgroundServices += routes.backgroundServices
            state.logger.info("Mounted plugin '\(plugin.id)' at \(mountPath)")
        }
        return BuiltRouter(
            responder: router.buildResponder(), backgroundServices: backgroundServices, pluginCount: plugins.count)
    }

    /// The routes and environment of one plugin: its logger, database, scheduler, client and view of the
    /// extension points.
    private static func pluginEnvironment(
        _ plugin: any BackendPlugin, _ state: HostState, authenticator: ServiceAuthenticator,
        extensions: PluginExtensions
    ) throws -> (PluginRoutes, PluginEnvironment) {
        var pluginLogger = state.logger
        pluginLogger[metadataKey: "plugin"] = .string(plugin.id)
        let routes = PluginRoutes(pluginId: plugin.id, authenticator: authenticator, logger: pluginLogger)
        let database = try state.databases.database(for: plugin.id)
        let client = ServiceClient(
            httpClient: state.httpClient, discovery: state.discovery, tokenManager: state.tokenManager,
            configuration: state.clientConfiguration, logger: pluginLogger, pluginTokens: state.pluginTokens,
            callerPluginId: plugin.id)
        let environment = PluginEnvironment(
            pluginId: plugin.id, logger: pluginLogger, config: state.config, environment: state.environment,
            tokenManager: state.tokenManager, discovery: state.discovery, database: database, client: client,
            scheduler: PluginScheduler(
                pluginId: plugin.id, database: database, logger: pluginLogger, metrics: state.metrics),
            metrics: state.metrics, extensions: extensions.viewed(as: plugin.id))
        return (routes, environment)
    }

    /// The Hummingbird application; logs `Listening on host:port` with the bound port.
    func makeApplication(_ state: HostState) -> Application<HostResponder> {
        let (listen, discovery, gate, logger) = (state.listen, state.discovery, state.listening, state.logger)
        // Hummingbird logs its own start and stop lines at info; the host logs its own instead.
        var serverLogger = logger
        if logger.logLevel > .debug {
            serverLogger.logLevel = max(logger.logLevel, .warning)
        }
        return Application(
            responder: state.responder,
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
