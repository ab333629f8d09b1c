import BackendConfig
import BackendJSON
import BackendKit
import BackendRuntime
import BackendTestSupport
import BackendTesting
import CatalogPlugin
import Foundation
import Logging
import ScaffolderPlugin
import SearchPlugin

/// Starting in-process hosts on 127.0.0.1, port 0, for the live tests.
enum TestHosts {
    /// The repository root (three levels above this file).
    static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// `Examples/catalog/entities.yaml` and `templates.yaml`, as absolute locations.
    static let exampleLocations: JSONValue = [
        ["type": "file", "target": .string(repositoryRoot + "/Examples/catalog/entities.yaml")],
        ["type": "file", "target": .string(repositoryRoot + "/Examples/catalog/templates.yaml")],
    ]

    /// `catalog.rules` admitting the kinds the example catalog uses.
    static let exampleRules: JSONValue = [
        ["allow": ["Component", "API", "Location", "System", "Group", "User", "Template"]]
    ]

    /// Entities in the example catalog.
    static let exampleEntityCount = 8

    /// A logger that only shows critical messages.
    static func quietLogger() -> Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }

    /// Runs `body` against a host with `plugins` and the config `config`.
    static func with<Result>(
        _ config: JSONValue,
        environment: BackendEnvironment = .development,
        tokenManager: (any TokenManager)? = nil,
        logs: TestLogs? = nil,
        port: Int = 0,
        plugins: [any BackendPlugin],
        _ body: (RunningBackend) async throws -> Result
    ) async throws -> Result {
        let options = BackendHostOptions(
            config: Config(config),
            environment: environment,
            processEnvironment: [:],
            tokenManager: tokenManager,
            logger: logs?.logger() ?? quietLogger(),
            listenHost: "127.0.0.1",
            listenPort: port,
            handlesSignals: false,
            shutdownGracePeriod: .seconds(2)
        )
        return try await BackendHost(options: options).withRunning(plugins: plugins, body)
    }

    /// The config of a host: `auth` (nil leaves `backend.auth` unset), the example catalog, a search
    /// collator that only runs on demand, and `extra` sections merged on top (top-level keys replace).
    static func config(auth: JSONValue? = nil, extra: [(String, JSONValue)] = []) -> JSONValue {
        var backend: JSONObject = ["baseUrl": "http://127.0.0.1:7007"]
        if let auth { backend["auth"] = auth }
        var sections: JSONObject = [
            "backend": .object(backend),
            "catalog": ["locations": exampleLocations, "rules": exampleRules],
            "search": ["collators": ["catalog": ["initialDelay": "1h", "frequency": "1h"]]],
            "scaffolder": ["taskTimeout": ["seconds": 10]],
        ]
        for (key, value) in extra {
            sections[key] = value
        }
        return .object(sections)
    }

    /// `discovery.endpoints` sending `catalog` to `baseURL`.
    static func catalogDiscovery(_ baseURL: String) -> (String, JSONValue) {
        ("discovery", ["endpoints": [["target": .string(baseURL + "/api/{{pluginId}}"), "plugins": ["catalog"]]]])
    }

    /// All three plugins.
    static var allPlugins: [any BackendPlugin] {
        [CatalogPlugin(), ScaffolderPlugin(), SearchPlugin()]
    }
}

extension RunningBackend {
    /// A token from the host's own token manager ("" for noop).
    func token() async throws -> String {
        try await tokenManager.getToken().token
    }

    /// `baseURL` + `/api/<plugin><path>`.
    func url(_ plugin: String, _ path: String) -> String {
        "\(baseURL)/api/\(plugin)\(path)"
    }
}
