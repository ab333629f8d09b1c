import BackendTestSupport
import Foundation
import NIOHTTP1
import Testing

@Suite("backend run")
struct RunCommandTests {
    @Test("the repository's app-config.yaml serves all three plugins and logs its startup")
    func defaultConfig() async throws {
        try await BackendProcess.withServer(
            arguments: [],
            // In-memory databases: the test leaves no files in the repository.
            environment: [
                "APP_CONFIG_backend_listen_port": "0", "APP_CONFIG_backend_database_connection": ":memory:",
                // Its metrics listener on a free port too, not the sample's 9464.
                "APP_CONFIG_backend_metrics_listen": "127.0.0.1:0",
            ],
            currentDirectory: Repository.root
        ) { backend, port in
            let health = try await HTTP.send(.GET, "http://127.0.0.1:\(port)/healthcheck")
            #expect(health.status == 200)
            #expect(health.body == #"{"status":"ok"}"#)
            // backend.auth is unset in the sample config: noop, so no token is needed.
            let entities = try await HTTP.send(.GET, "http://127.0.0.1:\(port)/api/catalog/entities")
            #expect(entities.status == 200)
            let metricsPort = try await backend.waitForMetricsPort()
            let metrics = try await HTTP.send(.GET, "http://127.0.0.1:\(metricsPort)/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.body.contains(#"http_route="/api/catalog/entities""#))
            let log = backend.stderr
            #expect(log.contains("app-config.yaml"))
            #expect(log.contains("development"))
            for plugin in ["catalog", "scaffolder", "search"] {
                #expect(log.contains("/api/\(plugin)"))
            }
        }
    }

    @Test("production without keys exits 1 with the message before binding")
    func productionWithoutKeys() async throws {
        try await TemporaryDirectory.with { dir in
            let port = try Loopback.freePort()
            let config = try dir.write("app-config.yaml", "backend:\n  listen: \(port)\n")
            let result = try await BackendProcess.run(
                ["run", "--config", config, "--env", "production"],
                timeout: .seconds(20)
            )
            #expect(result.exitCode == 1)
            #expect(
                result.stderr.contains(
                    "Backend failed to start up: You must configure at least one key in backend.auth.keys for production."
                )
            )
            #expect(!result.stderr.contains("Listening on"))
            #expect(!Loopback.isListening(port: port))
        }
    }

    @Test("an unknown plugin id is bad usage (exit 2)")
    func unknownPlugin() async throws {
        let result = try await BackendProcess.run(["run", "--plugins", "catalog,nope"])
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("Unknown plugin 'nope'"))
    }

    @Test("SIGTERM while a slow request is in flight: the request completes, then the process exits 0")
    func gracefulShutdown() async throws {
        try await SlowUpstream.with(delay: 2) { (upstream: SlowUpstream.Server) in
            let upstreamPort = upstream.port
            try await TemporaryDirectory.with { dir in
                let config = try dir.write(
                    "app-config.yaml",
                    """
                    backend:
                      listen: {host: 127.0.0.1, port: 0}
                    discovery:
                      endpoints:
                        - target: http://127.0.0.1:\(upstreamPort)/api/{{pluginId}}
                          plugins: [catalog]
                    search:
                      collators:
                        catalog:
                          initialDelay: 1h
                          frequency: 1h
                    """
                )
                let backend = try BackendProcess(["run", "--config", config, "--plugins", "search"])
                defer { backend.stop() }
                let port = try await backend.waitForListeningPort()
                let started = ContinuousClock.now
                async let refresh = HTTP.send(
                    .POST,
                    "http://127.0.0.1:\(port)/api/search/collators/catalog/refresh"
                )
                // The refresh is in flight once the collator's call reached the slow catalog (a fixed sleep was not
                // enough on a loaded machine: the request had not connected when SIGTERM closed the listener).
                try await upstream.waitForRequest()
                backend.send(SIGTERM)
                let response = try await refresh
                #expect(response.status == 200, "\(response.body)")
                #expect(ContinuousClock.now - started >= .seconds(2))
                let code = try await backend.wait(timeout: .seconds(15))
                #expect(code == 0, "\(backend.stderr)")
            }
        }
    }
}
