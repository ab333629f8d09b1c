import AsyncHTTPClient

/// A host after reading its config and before binding; its plugins register once the server listens.
struct PreparedBackend: Sendable {
    /// The host's logger.
    let logger: Logger
    /// The effective listen address (the port may be `0`).
    let listen: ListenAddress
    /// The token manager in use.
    let tokenManager: any TokenManager
    /// How it was chosen, for logs and ``RunningBackend``.
    let tokenManagerKind: String
    /// The host's discovery.
    let discovery: HostDiscovery
    /// Mounted plugin ids, in order.
    let pluginIds: [String]
    /// The shared HTTP client, closed after the service group has stopped.
    let httpClient: HTTPClient
    /// The plugins' databases, closed after the service group has stopped.
    let databases: DatabaseManager
    /// Opened once the server listens.
    let gate: ListeningGate
    /// Opened once every plugin has registered.
    let ready: ListeningGate
    /// Opened once the metrics listener listens; `nil` without `backend.metrics.listen`.
    let metricsGate: ListeningGate?
    /// Runs the server and the plugins' background work.
    let serviceGroup: ServiceGroup

    /// Runs until graceful shutdown (or a failure), then closes the HTTP client.
    ///
    /// - Throws: ``BackendStartupError`` when the server could not bind; other errors from services.
    func serve() async throws {
        do {
            try await serviceGroup.run()
        } catch let error as BackendStartupError {
            try? await httpClient.shutdown()
            await databases.shutdown()
            throw error
        } catch {
            try? await httpClient.shutdown()
            await databases.shutdown()
            if !gate.didListen {
                throw ListenFailure.error(address: listen, key: "backend.listen", cause: error)
            }
            throw error
        }
        try await httpClient.shutdown()
        await databases.shutdown()
        logger.info("Backend stopped")
    }

    /// The handle given to in-process callers once the server listens on `port`.
    func running(port: Int, metricsPort: Int?) -> RunningBackend {
        let serviceGroup = self.serviceGroup
        return RunningBackend(
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
