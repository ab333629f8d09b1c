import BackendConfig
import BackendKit
import NIOConcurrencyHelpers

/// A plugin as the test host mounts it: the plugin itself, plus a note of the environment the host registered it
/// with, so a test can reach that plugin's database and scheduler.
struct ObservedPlugin: BackendPlugin {
    let plugin: any BackendPlugin
    let environments: PluginEnvironments

    var id: String { plugin.id }
    var configSchema: ConfigSchema { plugin.configSchema }

    func checkConfig(_ config: Config) -> [any Error] {
        plugin.checkConfig(config)
    }

    func contribute(to extensions: PluginExtensions, _ env: PluginEnvironment) async throws {
        try await plugin.contribute(to: extensions, env)
    }

    func register(_ routes: PluginRoutes, _ env: PluginEnvironment) async throws {
        environments.record(env)
        try await plugin.register(routes, env)
    }
}

/// The environments the host registered the plugins with, by plugin id.
final class PluginEnvironments: Sendable {
    private let recorded = NIOLockedValueBox<[String: PluginEnvironment]>([:])

    func record(_ environment: PluginEnvironment) {
        recorded.withLockedValue { $0[environment.pluginId] = environment }
    }

    func environment(of pluginId: String) -> PluginEnvironment? {
        recorded.withLockedValue { $0[pluginId] }
    }
}
