import BackendKit
import Foundation
import ServiceLifecycle

/// Runs plugins on one Hummingbird server: each plugin's routes under `/api/<id>`, `GET /healthcheck`,
/// service-to-service auth, discovery and a shared HTTP client for plugin-to-plugin calls.
///
/// Startup: load config (or take ``BackendHostOptions/config``), pick the token manager by `backend.auth.keys` and
/// the environment (or take ``BackendHostOptions/tokenManager``), read `backend.listen`, `backend.baseUrl`,
/// `discovery.endpoints`, `backend.client.*` and `backend.lifecycle.serverShutdownDelay`; then listen, answering
/// readiness with 503 while every plugin registers, and become ready. Any failure there throws
/// ``BackendStartupError`` (a failure before listening binds nothing).
///
/// ```swift
/// // main.swift
/// await BackendHost(options: BackendHostOptions()).runMain(plugins: [HelloPlugin()])
/// ```
public struct BackendHost: Sendable {
    /// How the host starts.
    public var options: BackendHostOptions
    /// Creates a host.
    public init(options: BackendHostOptions = BackendHostOptions()) {
        self.options = options
    }

    /// Starts the backend and runs it until SIGTERM or SIGINT (when ``BackendHostOptions/handlesSignals``)
    /// has shut it down gracefully.
    ///
    /// - Throws: ``BackendStartupError`` when startup fails (nothing was bound), or an error from a
    ///   service after startup.
    public func run(plugins: [any BackendPlugin]) async throws {
        let state = try await prepare(plugins: plugins)
        try await state.serve(makeServiceGroup(state, handlesSignals: options.handlesSignals))
    }

    /// Runs the backend as the process's main program: ``run(plugins:)``, then exits `0`; on a startup
    /// failure prints `Backend failed to start up: <reason>` to standard error and exits `1`; on any
    /// other failure prints `Backend failed: <error>` and exits `1`.
    public func runMain(plugins: [any BackendPlugin]) async -> Never {
        do {
            try await run(plugins: plugins)
            exit(0)
        } catch let error as BackendStartupError {
            FileHandle.standardError.write(Data("Backend failed to start up: \(error.reason)\n".utf8))
            exit(1)
        } catch {
            FileHandle.standardError.write(Data("Backend failed: \(error)\n".utf8))
            exit(1)
        }
    }

    /// Starts the backend in-process, runs `body` once every plugin has registered, then shuts down gracefully
    /// and returns `body`'s result after everything has stopped. Signal handlers are not installed.
    ///
    /// With ``BackendHostOptions/listenPort`` `0` the server binds a free port; ``RunningBackend/port``
    /// tells which. `body` may call ``RunningBackend/shutdown()`` itself (for example to test graceful
    /// shutdown with a request in flight).
    ///
    /// - Throws: ``BackendStartupError`` when startup or binding fails; `body`'s error; an error from a
    ///   service.
    public func withRunning<Result>(
        plugins: [any BackendPlugin],
        isolation: isolated (any Actor)? = #isolation,
        _ body: (RunningBackend) async throws -> Result
    ) async throws -> Result {
        let state = try await prepare(plugins: plugins)
        let serviceGroup = makeServiceGroup(state, handlesSignals: false)
        return try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
            group.addTask { try await state.serve(serviceGroup) }
            guard let port = await state.ready.wait() else {
                try await group.waitForAll()
                throw BackendStartupError("The server stopped before it listened")
            }
            var metricsPort: Int?
            if let metricsListening = state.metricsListening {
                guard let port = await metricsListening.wait() else {
                    try await group.waitForAll()
                    throw BackendStartupError("The metrics listener stopped before it listened")
                }
                metricsPort = port
            }
            let running = state.running(port: port, metricsPort: metricsPort, serviceGroup: serviceGroup)
            let result: Result
            do {
                result = try await body(running)
            } catch {
                await running.shutdown()
                try? await group.waitForAll()
                throw error
            }
            await running.shutdown()
            try await group.waitForAll()
            return result
        }
    }
}
