import BackendConfig
import Logging
import BackendKit
import BackendAuth

extension BackendHost {
    /// The token manager from options, else the one ``TokenManagerPolicy`` selects; with a description of
    /// how it was chosen.
    func makeTokenManager(
        config: Config, environment: BackendEnvironment, logger: Logger
    ) throws -> (
        any TokenManager, String
    ) {
        if let manager = options.tokenManager {
            return (manager, manager is NoopTokenManager ? "noop (provided in code)" : "provided in code")
        }
        let selection = try TokenManagerPolicy.resolve(
            config: config, logger: logger, environment: environment, keySetSource: HTTPKeySetSource())
        return (selection.manager, selection.summary)
    }
}
