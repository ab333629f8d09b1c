import AsyncHTTPClient
import BackendKit
import BackendRuntime
import BackendTestSupport
import BackendTesting
import Foundation
import NIOHTTP1
import Testing

@Suite("Startup failures")
struct StartupTests {
    /// A port that was free a moment ago (bound by a host on port 0, then released).
    static func recentlyFreePort() async throws -> Int {
        try await TestHost.with(plugins: []) { host in host.port }
    }

    static func expectNothingListening(on port: Int) {
        #expect(!isListening(port: port))
    }

    @Test(arguments: ["{}", "backend: {auth: {keys: []}}"])
    func productionWithoutKeysFailsBeforeBinding(yaml: String) async throws {
        let port = try await Self.recentlyFreePort()
        var options = try TestHost.options(yaml: yaml, environment: .production)
        options.listenPort = port
        let ran = Recorder<Bool>()
        let error = await #expect(throws: BackendStartupError.self) {
            try await BackendHost(options: options).withRunning(plugins: [ServiceAuthTests.whoami]) { _ in
                await ran.record(true)
            }
        }
        #expect(error?.description == "You must configure at least one key in backend.auth.keys for production.")
        #expect(await ran.values.isEmpty)
        Self.expectNothingListening(on: port)
    }

    @Test func configErrorsAreStartupErrors() async throws {
        let options = try TestHost.options(yaml: "backend: {listen: 'not an address'}")
        let error = await #expect(throws: BackendStartupError.self) {
            try await BackendHost(options: options).withRunning(plugins: []) { _ in }
        }
        #expect(error?.reason.hasPrefix("Invalid listen address in config for key 'backend.listen'") == true)

        let secret = try TestHost.options(yaml: "backend: {auth: {keys: [{secret: 'not base64!'}]}}")
        await #expect(throws: BackendStartupError.self) {
            try await BackendHost(options: secret).withRunning(plugins: []) { _ in }
        }
    }

    @Test func pluginProblemsAreStartupErrors() async throws {
        let options = try TestHost.options()
        let failing = TestPlugin("broken") { _, env in
            _ = try env.config.getString("broken.required")
        }
        let registerError = await #expect(throws: BackendStartupError.self) {
            try await BackendHost(options: options).withRunning(plugins: [failing]) { _ in }
        }
        #expect(
            registerError?.reason
                == "Plugin 'broken' failed to start: Missing required config value at 'broken.required'")

        let duplicate = await #expect(throws: BackendStartupError.self) {
            try await BackendHost(options: options).withRunning(plugins: [
                ServiceAuthTests.whoami, ServiceAuthTests.whoami,
            ]) { _ in }
        }
        #expect(duplicate?.reason == "More than one plugin has the id 'whoami'")

        let badID = await #expect(throws: BackendStartupError.self) {
            try await BackendHost(options: options).withRunning(plugins: [TestPlugin("a/b") { _, _ in }]) { _ in }
        }
        #expect(badID?.reason == "Invalid plugin id 'a/b'; use letters, digits, '-', '_' and '.'")

        var filtered = options
        filtered.pluginIds = ["whoami", "nope"]
        let unknown = await #expect(throws: BackendStartupError.self) {
            try await BackendHost(options: filtered).withRunning(plugins: [ServiceAuthTests.whoami]) { _ in }
        }
        #expect(unknown?.reason == "Unknown plugin 'nope'; available plugins: whoami")
    }

    @Test func pluginFilterMountsOnlyTheChosenPlugins() async throws {
        var options = try TestHost.options()
        options.pluginIds = ["second"]
        let plugins = [
            TestPlugin("first") { routes, _ in routes.get("/x") { _, _ in "first" } },
            TestPlugin("second") { routes, _ in routes.get("/x") { _, _ in "second" } },
        ]
        try await BackendHost(options: options).withRunning(plugins: plugins) { host in
            #expect(host.pluginIds == ["second"])
            let second = try await HTTP.send(.GET, "\(host.baseURL)/api/second/x")
            let first = try await HTTP.send(.GET, "\(host.baseURL)/api/first/x")
            #expect(second.body == "second")
            #expect(first.status == 404)
        }
    }

    @Test func portAlreadyInUseIsAStartupError() async throws {
        try await TestHost.with(plugins: []) { first in
            var options = try TestHost.options()
            options.listenPort = first.port
            let error = await #expect(throws: BackendStartupError.self) {
                try await BackendHost(options: options).withRunning(plugins: []) { _ in }
            }
            #expect(error?.reason.hasPrefix("Could not listen on 127.0.0.1:\(first.port): ") == true)
        }
    }

    @Test func configFilesAreLoadedAndLogged() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("backendkit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "backend:\n  baseUrl: http://from-file.example.com\n".write(
            to: directory.appendingPathComponent("app-config.yaml"), atomically: true, encoding: .utf8)
        let logs = TestLogs()
        let options = BackendHostOptions(
            environment: .development,
            processEnvironment: [:],
            workingDirectory: directory.path,
            logger: logs.logger(),
            listenHost: "127.0.0.1",
            listenPort: 0
        )
        try await BackendHost(options: options).withRunning(plugins: []) { host in
            let external = try await host.discovery.getExternalBaseUrl("x")
            #expect(external == "http://from-file.example.com/api/x")
        }
        #expect(logs.messages.contains { $0.hasPrefix("Loaded config from ") && $0.hasSuffix("app-config.yaml") })
    }
}
