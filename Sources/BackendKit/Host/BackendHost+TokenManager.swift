import BackendAuth

extension BackendHost {
    /// The token manager from options, else the one DESIGN.md's table selects; with a description of
    /// how it was chosen.
    func makeTokenManager(
        config: Config, environment: BackendEnvironment, logger: Logger
    ) throws -> (
        any TokenManager, String
    ) {
        if let manager = options.tokenManager {
            return (manager, manager is NoopTokenManager ? "noop (provided in code)" : "provided in code")
        }
        let selection = try selectTokenManager(config: config, logger: logger, environment: environment)
        return (selection.manager, "\(selection.kind)")
    }
}
