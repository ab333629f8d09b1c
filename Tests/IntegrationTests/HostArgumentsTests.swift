import BackendApp
import BackendKit
import BackendRuntime
import Testing

/// The host's command-line arguments (`--config`, `--env`, `--plugins`), parsed by `BackendHostArguments`.
@Suite("Host arguments")
struct HostArgumentsTests {
    @Test func argumentsBecomeOptions() throws {
        let options = try BackendHostOptions(arguments: [
            "backend", "--config", "a.yaml", "--config=b.yaml", "--env", "production", "--plugins", "catalog, search",
        ])
        #expect(options.configPaths == ["a.yaml", "b.yaml"])
        #expect(options.environment == .production)
        #expect(options.pluginIds == ["catalog", "search"])
        #expect(throws: BackendStartupError.self) { try BackendHostOptions(arguments: ["backend", "--port", "1"]) }
        #expect(throws: BackendStartupError.self) { try BackendHostOptions(arguments: ["backend", "--config"]) }
        #expect(throws: BackendStartupError.self) { try BackendHostOptions(arguments: ["backend", "--env", "qa"]) }
    }
}
