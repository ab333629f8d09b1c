import BackendKit
import Hummingbird
import Logging
import ServiceLifecycle

/// The plugins as a service of the host's service group: once the server listens it registers every plugin,
/// installs the full router, marks the host ready, then runs the plugins' background work and schedulers until
/// graceful shutdown (which reaches it last, after the server has drained).
///
/// A plugin that fails to register ends the service with a ``BackendStartupError``, which shuts the group down
/// and is what the host reports.
struct PluginRuntime: Service, CustomStringConvertible {
    /// The host: its plugins, responder, health state and startup signals.
    let state: HostState

    var description: String { "Plugins" }

    func run() async throws {
        let (listening, ready, responder, health, logger) = (
            state.listening, state.ready, state.responder, state.health, state.logger
        )
        guard let port = await listening.wait() else {
            // A listener could not bind: wait for the group's shutdown rather than finish ahead of it (which would
            // turn a graceful shutdown into a cancellation of the listeners already up).
            ready.close()
            try? await gracefulShutdown()
            return
        }
        let built: BuiltRouter
        do {
            built = try await BackendHost.buildRouter(state)
        } catch {
            ready.close()
            throw error
        }
        responder.install(built.responder)
        health.markReady()
        ready.open(port: port)
        logger.info("Backend started with \(built.pluginCount) plugin(s)")
        await withTaskGroup(of: Void.self) { group in
            for service in built.backgroundServices {
                group.addTask { await service.run() }
            }
        }
        // With no background work left (no plugins, or every service ended), this service still ends only when the
        // group shuts it down: ending while the group shuts down the services after it counts as an unexpected end.
        try? await gracefulShutdown()
    }
}

/// Holds the server up for `backend.lifecycle.serverShutdownDelay` after shutdown begins, with readiness already
/// answering 503, so that a load balancer stops sending before the server stops accepting. It is the last service
/// of the group, so graceful shutdown reaches it first; the server drains only after it returned.
struct ShutdownDelayService: Service, CustomStringConvertible {
    /// The health routes' state.
    let health: HostHealth
    /// How long to keep serving.
    let delay: Duration
    /// The host's logger.
    let logger: Logger

    var description: String { "ShutdownDelay" }

    func run() async throws {
        try? await gracefulShutdown()
        // A host that never became ready (a plugin failed to register) has nobody to wait for.
        guard health.markStopping() == .ready, delay > .zero else { return }
        logger.info("Shutting down: readiness answers 503; serving for \(delay) before draining")
        try? await Task.sleep(for: delay)
    }
}
