import Foundation
import Testing

@Suite("backend run")
struct RunCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// A free loopback port right now (bound to port 0, then released).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port` (a plain connect, no retries).
    static func isListening(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return result == 0
    }

    @Test("the repository's app-config.yaml serves all three plugins and logs its startup")
    func defaultConfig() async throws {
        try await BackendProcess.withServer(
            arguments: [],
            environment: ["APP_CONFIG_backend_listen_port": "0"],
            currentDirectory: Self.root
        ) { backend, port in
            let health = try await HTTP.send(.GET, "http://127.0.0.1:\(port)/healthcheck")
            #expect(health.status == 200)
            #expect(health.body == #"{"status":"ok"}"#)
            // backend.auth is unset in the sample config: noop, so no token is needed.
            let entities = try await HTTP.send(.GET, "http://127.0.0.1:\(port)/api/catalog/entities")
            #expect(entities.status == 200)
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
            let port = try Self.freePort()
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
            #expect(!Self.isListening(port: port))
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
        try await SlowUpstream.with(delay: 2) { upstreamPort in
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
                try await Task.sleep(for: .milliseconds(500))
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
