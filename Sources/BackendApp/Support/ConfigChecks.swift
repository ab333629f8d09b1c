import BackendAuth
import BackendConfig
import BackendDatabase
import BackendKit
import BackendRuntime
import Foundation
import Logging

/// Every read the backend makes of its config, run independently so that all problems are reported at once.
enum ConfigChecks {
    /// The messages of every failing read, in config order. Empty when the config is valid.
    static func problems(in config: Config, environment: BackendEnvironment) -> [String] {
        var problems: [String] = []
        func check(_ read: () throws -> Void) {
            do {
                try read()
            } catch {
                problems.append("\(error)")
            }
        }

        check { _ = try config.getOptionalString("backend.baseUrl") }
        check { _ = try ListenAddress.fromConfig(config) }
        check { _ = try BackendMetrics.listenAddress(in: config) }
        check { _ = try ServiceClientConfiguration.fromConfig(config) }
        check { _ = try config.getOptionalDuration("backend.lifecycle.serverShutdownDelay") }
        check { _ = try LogFormat.resolve(environment: environment, variables: ProcessInfo.processInfo.environment) }
        problems += TokenManagerPolicy.problems(in: config, environment: environment)
        problems += DatabaseManager.problems(in: config, pluginIds: BackendCommand.plugins.map(\.id))
        // Each endpoint on its own, so one bad endpoint does not hide another (HostDiscovery stops at the first).
        check {
            for endpoint in try config.getOptionalConfigArray("discovery.endpoints") ?? [] {
                check { _ = try DiscoveryEndpoint(config: endpoint) }
            }
        }
        for plugin in BackendCommand.plugins {
            problems += plugin.checkConfig(config).map { "\($0)" }
        }
        var seen = Set<String>()
        return problems.filter { seen.insert($0).inserted }
    }
}
