import BackendConfig
import BackendKit
import BackendRuntime
import BackendTestSupport
import BackendTesting
import Logging

/// Hosts built by hand on 127.0.0.1, port 0, for the tests of the host itself that the test kit's `TestBackend`
/// cannot express: auth off (noop), a token manager given in code, `production` startup checks, a listening socket
/// (readiness, shutdown, disconnects). Their requests go through `HTTP.send`.
enum TestHost {
    /// Options for an in-process host with the config given as YAML.
    static func options(
        yaml: String = "{}",
        environment: BackendEnvironment = .development,
        tokenManager: (any TokenManager)? = nil,
        logs: TestLogs? = nil
    ) throws -> BackendHostOptions {
        BackendHostOptions(
            config: Config(try ConfigLoader.parse(yaml: yaml)),
            environment: environment,
            processEnvironment: [:],
            tokenManager: tokenManager,
            logger: logs?.logger() ?? quietLogger(),
            listenHost: "127.0.0.1",
            listenPort: 0
        )
    }

    /// Runs `body` against a host with `plugins`.
    static func with<Result>(
        yaml: String = "{}",
        environment: BackendEnvironment = .development,
        tokenManager: (any TokenManager)? = nil,
        logs: TestLogs? = nil,
        plugins: [any BackendPlugin],
        _ body: (RunningBackend) async throws -> Result
    ) async throws -> Result {
        let options = try options(yaml: yaml, environment: environment, tokenManager: tokenManager, logs: logs)
        return try await BackendHost(options: options).withRunning(plugins: plugins, body)
    }

    /// A logger that only shows critical messages.
    static func quietLogger() -> Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }
}
