import AsyncHTTPClient
import BackendConfig
import BackendDatabase
import BackendKit
import Logging
import ServiceLifecycle

/// Everything a host holds from the end of startup to shutdown: what the steps of
/// ``BackendHost/prepare(plugins:handlesSignals:)`` produced, and what registering the plugins and serving use.
struct HostState: Sendable {
    /// The host's logger.
    let logger: Logger
    /// The loaded config.
    let config: Config
    /// `development` or `production`.
    let environment: BackendEnvironment
    /// The plugins to mount, in mount order.
    let plugins: [any BackendPlugin]
    /// The plugins' databases, closed after the service group has stopped.
    let databases: DatabaseManager
    /// The token manager in use.
    let tokenManager: any TokenManager
    /// How it was chosen, for logs and ``RunningBackend``.
    let tokenManagerKind: String
    /// The hosted plugins' plugin tokens; `nil` when auth is off.
    let pluginTokens: PluginTokenAuthority?
    /// The effective listen address (the port may be `0`).
    let listen: ListenAddress
    /// The host's discovery.
    let discovery: HostDiscovery
    /// The metrics listener's address; `nil` without `backend.metrics.listen`.
    let metricsListen: ListenAddress?
    /// The host's metrics (disabled without a metrics listener).
    let metrics: BackendMetrics
    /// Timeouts and limits of plugin-to-plugin calls.
    let clientConfiguration: ServiceClientConfiguration
    /// The shared HTTP client, closed after the service group has stopped.
    let httpClient: HTTPClient
    /// `backend.lifecycle.serverShutdownDelay`.
    let shutdownDelay: Duration
    /// The health routes' state.
    let health: HostHealth
    /// The server's responder (startup router first, the full router once the plugins registered).
    let responder: HostResponder
    /// Opened once the server listens.
    let listening = StartupSignal()
    /// Opened once every plugin has registered: the host is ready.
    let ready = StartupSignal()
    /// Opened once the metrics listener listens; `nil` without `backend.metrics.listen`.
    let metricsListening: StartupSignal?

    /// The ids of the mounted plugins, in order.
    var pluginIds: [String] { plugins.map(\.id) }

    /// Closes what startup opened (the HTTP client and the databases), for a startup that fails before serving.
    func close() async {
        try? await httpClient.shutdown()
        await databases.shutdown()
    }

    /// Runs `serviceGroup` until graceful shutdown (or a failure), then closes the HTTP client and databases.
    ///
    /// - Throws: ``BackendStartupError`` when the server could not bind; other errors from services.
    func serve(_ serviceGroup: ServiceGroup) async throws {
        do {
            try await serviceGroup.run()
        } catch let error as BackendStartupError {
            await close()
            throw error
        } catch {
            await close()
            if !listening.didOpen {
                throw ListenFailure.error(address: listen, key: "backend.listen", cause: error)
            }
            throw error
        }
        try await httpClient.shutdown()
        await databases.shutdown()
        logger.info("Backend stopped")
    }

    /// The handle given to in-process callers once the server listens on `port`.
    func running(port: Int, metricsPort: Int?, serviceGroup: ServiceGroup) -> RunningBackend {
        RunningBackend(
            address: ListenAddress(host: listen.host, port: port),
            metricsPort: metricsPort,
            tokenManager: tokenManager,
            tokenManagerKind: tokenManagerKind,
            discovery: discovery,
            pluginIds: pluginIds,
            trigger: { await serviceGroup.triggerGracefulShutdown() }
        )
    }
}
