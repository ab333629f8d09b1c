import BackendAuth
import BackendConfig
import BackendKit
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
        check { _ = try ServiceClientConfiguration.fromConfig(config) }
        problems += authProblems(config, environment: environment)
        // Each endpoint on its own, so one bad endpoint does not hide another (HostDiscovery stops at the first).
        check {
            for endpoint in try config.getOptionalConfigArray("discovery.endpoints") ?? [] {
                check { _ = try DiscoveryEndpoint(config: endpoint) }
            }
        }
        for plugin in SamplePlugins.all {
            problems += plugin.checkConfig(config).map { "\($0)" }
        }
        var seen = Set<String>()
        return problems.filter { seen.insert($0).inserted }
    }

    /// Decodes each `backend.auth.keys[i].secret` on its own, then applies the production rule of DESIGN.md.
    private static func authProblems(_ config: Config, environment: BackendEnvironment) -> [String] {
        let keys: [Config]?
        do {
            keys = try config.getOptionalConfigArray("backend.auth.keys")
        } catch {
            return ["\(error)"]
        }
        var problems: [String] = []
        for (index, key) in (keys ?? []).enumerated() {
            let name = "backend.auth.keys[\(index)].secret"
            do {
                _ = try ServerSecret.decode(try key.getString("secret"), name: name)
            } catch {
                problems.append("\(error)")
            }
        }
        if environment == .production && (keys ?? []).isEmpty {
            problems.append(TokenManagerConfigurationError.productionRequiresKeys.message)
        }
        return problems
    }
}
