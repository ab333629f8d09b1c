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
        let environment: BackendEnvironment
        do {
            environment = try BackendEnvironment.fromProcess()
        } catch {
            throw CommandFailure("\(error)")
        }
        let keys: [Config]?
        do {
            keys = try loaded.config.getOptionalConfigArray("backend.auth.keys")
        } catch {
            throw CommandFailure("\(error)")
        }
        guard let keys, !keys.isEmpty else {
            throw CommandFailure(
                "No keys in backend.auth.keys of \(loaded.files.joined(separator: ", ")): configure at least one secret."
            )
        }
        do {
            return try ServerTokenManager.fromConfig(loaded.config, logger: logger, environment: environment)
        } catch {
            throw CommandFailure("\(error)")
        }
    }
}
