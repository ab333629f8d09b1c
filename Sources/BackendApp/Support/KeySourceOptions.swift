import ArgumentParser
import BackendAuth
import BackendConfig
import Foundation
import Logging

/// Where `token create` and `token verify` get their keys: the app config or secrets on the command line.
struct KeySourceOptions: ParsableArguments {
    @OptionGroup var config: ConfigOptions

    @Option(
        name: .customLong("secret"),
        help: ArgumentHelp(
            "A secret as it would appear in backend.auth.keys[].secret; repeatable for verify.",
            valueName: "secret"
        )
    )
    var secrets: [String] = []

    /// Builds a server token manager from exactly one of `--config` or `--secret`.
    ///
    /// - Parameter allowManySecrets: `verify` accepts several secrets (any verifies); `create` signs with one.
    func makeManager(allowManySecrets: Bool, logger: Logger) throws -> HMACTokenManager {
        if !config.paths.isEmpty && !secrets.isEmpty {
            throw CommandFailure.usage("Pass either --config or --secret, not both.")
        }
        if !secrets.isEmpty {
            if !allowManySecrets && secrets.count > 1 {
                throw CommandFailure.usage("token create signs with one key: pass --secret once.")
            }
            do {
                return try ServerTokenManager.fromSecrets(secrets, logger: logger)
            } catch {
                throw CommandFailure("\(error)")
            }
        }
        if config.paths.isEmpty {
            throw CommandFailure.usage("Pass --config FILE (repeatable) or --secret SECRET.")
        }
        let loaded = try config.load()
        do {
            // Only configured keys sign or verify here, whatever the environment; a malformed BACKEND_ENV is still
            // refused, as every command refuses it.
            _ = try BackendEnvironment.fromProcess()
        } catch {
            throw CommandFailure("\(error)")
        }
        let manager: HMACTokenManager?
        do {
            manager = try TokenManagerPolicy.configuredManager(config: loaded.config, logger: logger)
        } catch {
            throw CommandFailure("\(error)")
        }
        guard let manager else {
            throw CommandFailure(
                "No keys in backend.auth.keys of \(loaded.files.joined(separator: ", ")): configure at least one secret."
            )
        }
        return manager
    }
}
