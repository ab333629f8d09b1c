import BackendConfig
import BackendJSON
import BackendKit
import BackendRuntime
import Testing

@testable import ScaffolderPlugin

@Suite("Scaffolder settings")
struct ScaffolderSettingsTests {
    private func settings(_ scaffolder: JSONValue) throws -> ScaffolderSettings {
        try ScaffolderSettings(config: Config(["scaffolder": scaffolder], source: "app-config.yaml"))
    }

    @Test("Backstage's keys with their defaults; concurrency is a deprecated alias; 0 accepts without running")
    func keys() throws {
        let defaults = try settings([:])
        #expect(defaults.concurrentTasksLimit == 10)
        #expect(defaults.heartbeatTimeout == .seconds(30))
        #expect(defaults.janitorFrequency == .seconds(30))
        #expect(defaults.warnings.isEmpty)

        let configured = try settings([
            "concurrentTasksLimit": 0, "taskHeartbeatTimeout": "5s", "taskTimeoutJanitorFrequency": ["seconds": 2],
        ])
        #expect(configured.concurrentTasksLimit == 0)
        #expect(configured.heartbeatTimeout == .seconds(5))
        #expect(configured.janitorFrequency == .seconds(2))

        let legacy = try settings(["concurrency": 3])
        #expect(legacy.concurrentTasksLimit == 3)
        #expect(
            legacy.warnings == [
                "The config key 'scaffolder.concurrency' is deprecated; use 'scaffolder.concurrentTasksLimit' instead"
            ])
        #expect(try settings(["concurrency": 3, "concurrentTasksLimit": 5]).concurrentTasksLimit == 5)
    }

    @Test("bad values name the key and the file")
    func errors() throws {
        #expect(
            throws: ConfigError(
                "Invalid value in config for key 'scaffolder.concurrentTasksLimit' in 'app-config.yaml', wanted a non-negative integer"
            )
        ) { try settings(["concurrentTasksLimit": -1]) }
        #expect(
            throws: ConfigError(
                "Invalid value in config for key 'scaffolder.taskHeartbeatTimeout' in 'app-config.yaml', wanted a positive duration"
            )
        ) { try settings(["taskHeartbeatTimeout": 0]) }
    }
}
