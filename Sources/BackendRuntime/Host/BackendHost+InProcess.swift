import BackendKit
import Logging
import ServiceLifecycle

/// A started host reached through its responder instead of a socket, as handed to the body of
/// ``BackendHost/withInProcess(plugins:isolation:_:)``.
///
/// The responder is the one a listening host's server calls: the same request handling (error bodies, request log
/// lines, metrics), router, route guard and plugin routes. What it leaves out is the socket: no HTTP parsing, no
/// request size limits, no disconnect cancellation, no metrics listener.
package struct InProcessBackend: Sendable {
    /// The host's responder, serving the full router (every plugin registered).
    package let responder: HostResponder
    /// The token manager the host verifies tokens with.
    package let tokenManager: any TokenManager
    /// How the token manager was chosen, as the startup log prints it.
    package let tokenManagerKind: String
    /// The host's discovery (its own plugins resolve to the listen address, which nothing binds).
    package let discovery: HostDiscovery
    /// The ids of the mounted plugins, in mount order.
    package let pluginIds: [String]
    /// The host's logger; request contexts are made with it, as the server's are.
    package let logger: Logger
}

extension BackendHost {
    /// Starts the backend without binding a socket, runs `body` once every plugin has registered, then shuts down
    /// gracefully and returns `body`'s result after everything has stopped.
    ///
    /// Startup is ``withRunning(plugins:isolation:_:)``'s (config, token manager, plugin tokens, discovery,
    /// databases, plugin registration, background work and schedulers); only the HTTP server and the metrics
    /// listener are left out, so requests reach the host through ``InProcessBackend/responder`` alone. The test kit
    /// drives that responder with Hummingbird's router test mode.
    ///
    /// - Throws: ``BackendStartupError`` when startup fails (a plugin that fails to register included); `body`'s
    ///   error; an error from a service.
    package func withInProcess<Result>(
        plugins: [any BackendPlugin],
        isolation: isolated (any Actor)? = #isolation,
        _ body: (InProcessBackend) async throws -> Result
    ) async throws -> Result {
        let state = try await prepare(plugins: plugins)
        let serviceGroup = makeServerlessServiceGroup(state)
        return try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
            group.addTask { try await state.serve(serviceGroup) }
            // Nothing binds, so the milestone the server would reach is reached at once: plugins register now.
            state.listening.open(port: state.listen.port)
            guard await state.ready.wait() != nil else {
                try await group.waitForAll()
                throw BackendStartupError("The backend stopped before its plugins registered")
            }
            let backend = InProcessBackend(
                responder: state.responder, tokenManager: state.tokenManager, tokenManagerKind: state.tokenManagerKind,
                discovery: state.discovery, pluginIds: state.pluginIds, logger: state.logger)
            let result: Result
            do {
                result = try await body(backend)
            } catch {
                await serviceGroup.triggerGracefulShutdown()
                try? await group.waitForAll()
                throw error
            }
            await serviceGroup.triggerGracefulShutdown()
            try await group.waitForAll()
            return result
        }
    }

    /// ``makeServiceGroup(_:handlesSignals:)`` without the listeners: the databases, the plugins and the shutdown
    /// delay, shut down in the same order.
    private func makeServerlessServiceGroup(_ state: HostState) -> ServiceGroup {
        var configuration = ServiceGroupConfiguration(
            services: [
                .init(service: state.databases),
                .init(
                    service: PluginRuntime(state: state), successTerminationBehavior: .ignore,
                    failureTerminationBehavior: .gracefullyShutdownGroup),
                .init(
                    service: ShutdownDelayService(
                        health: state.health, delay: state.shutdownDelay, logger: state.logger)
                ),
            ],
            gracefulShutdownSignals: [], logger: state.logger)
        configuration.maximumGracefulShutdownDuration = options.shutdownGracePeriod
        configuration.maximumCancellationDuration = .seconds(5)
        return ServiceGroup(configuration: configuration)
    }
}
