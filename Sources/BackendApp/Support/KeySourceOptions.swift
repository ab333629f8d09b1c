import ArgumentParser
import BackendAuth
import BackendConfig
import Foundation
import Logging

/// Where `token create` and `token verify` get their keys: secrets on the command line, or the app config (by
/// default `app-config.yaml` plus `app-config.local.yaml`).
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

    /// Builds a server token manager from `--secret`, or else from the app config: the `--config` files, or by
    /// default `app-config.yaml` plus `app-config.local.yaml`, as every command that reads config does.
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
