import BackendAuth
import BackendConfig
import BackendKit
import Logging

extension BackendHost {
    /// The token manager from options, else the one ``TokenManagerPolicy`` selects; with a description of
    /// how it was chosen, and the policy's selection (`nil` for a manager provided in code).
    func makeTokenManager(
        config: Config, environment: BackendEnvironment, logger: Logger
    ) throws -> (
        any TokenManager, String, TokenManagerSelection?
    ) {
        if let manager = options.tokenManager {
            return (manager, manager is NoopTokenManager ? "noop (provided in code)" : "provided in code", nil)
        }
        let selection = try TokenManagerPolicy.resolve(
            config: config, logger: logger, environment: environment, keySetSource: HTTPKeySetSource())
        return (selection.manager, selection.summary, selection)
    }
}
