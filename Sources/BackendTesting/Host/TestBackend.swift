import BackendConfig
import BackendJSON
import BackendKit
import BackendRuntime
import Foundation
import HummingbirdTesting
import Logging

/// An in-process backend for a test: the given plugins on a host started exactly as `backend run` starts one
/// (config, token manager, route guard, error bodies, discovery, databases, schedulers), with keys it generates
/// itself and fresh databases, reached through its router without a socket unless the test asks for one.
///
/// ```swift
/// @Test func greets() async throws {
///     let backend = TestBackend(plugins: [HelloPlugin()], config: "hello: {greeting: Hi}")
///     try await backend.test { client in
///         let response = try await client.get("/api/hello/greeting")
///         #expect(response.status == .ok)
///         #expect(response.text == "Hi")
///     }
/// }
/// ```
///
/// What the host adds to the config:
/// - `backend.auth.keys`: a fresh random secret first (auth is on; ``TestCaller/backend`` signs with it), then the
///   config's own keys;
/// - `backend.auth.externalAccess`: an entry for each of ``callers``, then the config's own entries;
/// - `backend.database`: fresh databases on the test's ``TestDatabaseEngine``, replacing the config's, whose
///   `statementTimeout` alone is kept (a test of a slow query sets its deadline there).
public struct TestBackend: Sendable {
    enum ConfigSource: Sendable {
        case yaml(String)
        case config(Config)
    }

    /// The plugins, mounted in this order.
    public var plugins: [any BackendPlugin]
    /// The service callers requests may come from (``TestCaller/service(_:token:restrictedTo:)``): each gets an
    /// entry of `backend.auth.externalAccess`.
    public var callers: [TestCaller]
    /// `development` (the default) or `production`.
    public var environment: BackendEnvironment = .development
    /// The level logs are captured at (``BackendTestClient/logs``); `info` by default, which includes the request
    /// lines.
    public var logLevel: Logger.Level = .info
    /// How long a graceful shutdown at the end of a test may take before the remaining work is cancelled.
    public var shutdownGracePeriod: Duration = .seconds(10)
    let configSource: ConfigSource

    /// A backend of `plugins` with `config` as YAML (what an `app-config.yaml` would hold; the default is none).
    public init(plugins: [any BackendPlugin], config: String = "", callers: [TestCaller] = []) {
        self.plugins = plugins
        self.callers = callers
        self.configSource = .yaml(config)
    }

    /// A backend of `plugins` with a ready `config`.
    public init(plugins: [any BackendPlugin], config: Config, callers: [TestCaller] = []) {
        self.plugins = plugins
        self.callers = callers
        self.configSource = .config(config)
    }

    /// Starts the host, runs `body` with a client of it, shuts the host down and drops its databases (whether
    /// `body` passed or threw), and returns `body`'s result.
    ///
    /// - Parameters:
    ///   - transport: ``TestTransport/router`` (in process, the default) or ``TestTransport/live``.
    ///   - engine: The plugins' database engine; ``TestDatabaseEngine/sqlite`` (in memory) by default.
    /// - Throws: `BackendStartupError` when the host does not start (the message `backend run` would print);
    ///   ``TestDatabaseUnavailableError`` for PostgreSQL without a server; `body`'s error.
    public func test<Result>(
        _ transport: TestTransport = .router,
        engine: TestDatabaseEngine = .sqlite,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (BackendTestClient) async throws -> Result
    ) async throws -> Result {
        try await withHost(
            transport, engine: engine, credentials: try TestCredentials(callers: callers), wiring: nil, body)
    }

    /// ``test(_:engine:isolation:_:)`` with given credentials, as one deployment of a topology when `wiring` is set.
    func withHost<Result>(
        _ transport: TestTransport, engine: TestDatabaseEngine, credentials: TestCredentials, wiring: TopologyWiring?,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (BackendTestClient) async throws -> Result
    ) async throws -> Result {
        if let hosted = credentials.pluginKeys.keys.sorted().first(where: { id in plugins.contains { $0.id == id } }) {
            throw HostedPluginCallerError(pluginId: hosted)
        }
        guard credentials.needsKeySetServer else {
            return try await run(
                transport, engine: engine, credentials: credentials, jwksBaseURL: nil, wiring: wiring, body)
        }
        return try await JWKSServer.withServer(keys: credentials.jwksKeys, pluginKeys: credentials.pluginKeys) {
            jwksBaseURL in
            try await run(
                transport, engine: engine, credentials: credentials, jwksBaseURL: jwksBaseURL, wiring: wiring, body)
        }
    }

    /// Runs `body` once on each engine of ``TestDatabaseEngine/available`` (SQLite, and PostgreSQL when
    /// `BACKEND_TEST_POSTGRES_URL` names a server), each time on a fresh host.
    public func testOnEveryEngine(
        _ transport: TestTransport = .router,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (TestDatabaseEngine, BackendTestClient) async throws -> Void
    ) async throws {
        for engine in TestDatabaseEngine.available {
            try await test(transport, engine: engine) { client in try await body(engine, client) }
        }
    }

    /// The config as given.
    func baseConfig() throws -> JSONValue {
        switch configSource {
        case .yaml(let yaml):
            let trimmed = yaml.trimmingCharacters(in: .whitespacesAndNewlines)
            return trimmed.isEmpty ? [:] : try ConfigLoader.parse(yaml: yaml, source: "<test config>")
        case .config(let config):
            return config.value
        }
    }

    /// The host's config: the given one with the kit's keys, callers and databases (and a topology's discovery
    /// endpoints and trusted deployments).
    func hostConfig(
        credentials: TestCredentials, databases: TestDatabases, jwksBaseURL: String?, wiring: TopologyWiring? = nil
    ) throws -> Config {
        var root = try baseConfig().objectValue ?? JSONObject()
        var backend = root["backend"]?.objectValue ?? JSONObject()
        var auth = backend["auth"]?.objectValue ?? JSONObject()
        if let endpoint = credentials.pluginCallerEndpoint(keySetBaseURL: jwksBaseURL) {
            var discovery = root["discovery"]?.objectValue ?? JSONObject()
            discovery["endpoints"] = .array([endpoint] + (discovery["endpoints"]?.arrayValue ?? []))
            root["discovery"] = .object(discovery)
        }
        if let wiring {
            auth["externalAccess"] = .array(wiring.trusted + (auth["externalAccess"]?.arrayValue ?? []))
            var discovery = root["discovery"]?.objectValue ?? JSONObject()
            discovery["endpoints"] = .array(wiring.endpoints + (discovery["endpoints"]?.arrayValue ?? []))
            root["discovery"] = .object(discovery)
        }
        backend["auth"] = credentials.authSection(existing: .object(auth), jwksBaseURL: jwksBaseURL)
        // Where the databases are is the kit's to choose; how long a statement may run is the test's.
        var database = databases.section.objectValue ?? JSONObject()
        if let timeout = backend["database"]?["statementTimeout"] {
            database["statementTimeout"] = timeout
        }
        backend["database"] = .object(database)
        root["backend"] = .object(backend)
        return Config(.object(root), source: "<test config>")
    }

    private func run<Result>(
        _ transport: TestTransport, engine: TestDatabaseEngine, credentials: TestCredentials, jwksBaseURL: String?,
        wiring: TopologyWiring?, isolation: isolated (any Actor)? = #isolation,
        _ body: (BackendTestClient) async throws -> Result
    ) async throws -> Result {
        let databases = try TestDatabases(engine: engine)
        let logs = TestLogs()
        let environments = PluginEnvironments()
        let host = BackendHost(
            options: BackendHostOptions(
                config: try hostConfig(
                    credentials: credentials, databases: databases, jwksBaseURL: jwksBaseURL, wiring: wiring),
                environment: environment, processEnvironment: [:], logger: logs.logger(level: logLevel),
                listenHost: "127.0.0.1", listenPort: 0, handlesSignals: false,
                shutdownGracePeriod: shutdownGracePeriod))
        let observed: [any BackendPlugin] = plugins.map { ObservedPlugin(plugin: $0, environments: environments) }
        let pluginIds = plugins.map(\.id)
        let client = { (transport: any HostTransport, baseURL: String?, tokenManager: any TokenManager) in
            BackendTestClient(
                transport: transport, credentials: credentials, environments: environments, logs: logs,
                engine: engine, baseURL: baseURL, pluginIds: pluginIds, tokenManager: tokenManager)
        }
        do {
            let result: Result
            switch transport {
            case .router:
                result = try await host.withInProcess(plugins: observed) { backend in
                    let application = RouterTestApplication(hostResponder: backend.responder, logger: backend.logger)
                    // The application runs no services, so the router test client outlives `test`'s closure.
                    let routerClient = try await application.test(.router) { $0 }
                    let transport = RouterTransport(client: routerClient)
                    wiring?.door.register(wiring?.name ?? "", transport)
                    return try await body(client(transport, nil, backend.tokenManager))
                }
            case .live:
                result = try await host.withRunning(plugins: observed) { running in
                    let connection = HummingbirdTesting.TestClient(
                        host: "127.0.0.1", port: running.port, configuration: .init(timeout: .seconds(30)))
                    connection.connect()
                    let transport = LiveTransport(client: connection, authority: "127.0.0.1:\(running.port)")
                    wiring?.door.register(wiring?.name ?? "", transport)
                    do {
                        let result = try await body(client(transport, running.baseURL, running.tokenManager))
                        try await connection.shutdown()
                        return result
                    } catch {
                        try? await connection.shutdown()
                        throw error
                    }
                }
            }
            try await databases.drop(pluginIds: pluginIds)
            return result
        } catch {
            try? await databases.drop(pluginIds: pluginIds)
            throw error
        }
    }
}

/// A plugin caller names a plugin the test host runs, whose tokens the host signs itself.
public struct HostedPluginCallerError: Error, CustomStringConvertible {
    /// The plugin.
    public let pluginId: String

    /// What to change.
    public var description: String {
        "TestCaller.plugin(\"\(pluginId)\") stands for a plugin the test host does not run, but the host runs "
            + "'\(pluginId)': let that plugin call through env.client, or name another plugin"
    }
}
