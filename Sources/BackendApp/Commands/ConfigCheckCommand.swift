import ArgumentParser
import BackendAuth
import BackendConfig
import BackendKit
import BackendRuntime
import Logging

/// `backend config check`: loads the config and reads every key the host would read, listing every problem.
///
/// Keys that no schema declares (under a declared root) are warnings, or problems with `--strict`; under
/// `backend.auth` they are always problems.
struct ConfigCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the config: read every key the backend reads and list every problem (exit 0 or 1)."
    )

    @OptionGroup var config: ConfigOptions

    @Option(help: "Environment to check for (development or production). Default: BACKEND_ENV.")
    var env: BackendEnvironment?

    @Flag(help: "Unknown keys are errors (exit 1) instead of warnings; under backend.auth they always are.")
    var strict = false

    func run() async throws {
        let loaded = try config.load()
        let environment: BackendEnvironment
        do {
            environment = try env ?? BackendEnvironment.fromProcess()
        } catch {
            throw CommandFailure("\(error)")
        }
        let keys = BackendHost.checkConfigKeys(loaded.config, plugins: BackendCommand.plugins)
        var problems = keys.errors
        if strict {
            problems += keys.warnings
        } else {
            for warning in keys.warnings {
                StandardError.write("Warning: \(warning)")
            }
        }
        problems += ConfigChecks.problems(in: loaded.config, environment: environment)
        if problems.isEmpty {
            StandardError.write("Config is valid for \(environment.rawValue).")
            return
        }
        let noun = problems.count == 1 ? "problem" : "problems"
        let list = problems.map { "  - \($0)" }.joined(separator: "\n")
        throw CommandFailure("Config has \(problems.count) \(noun):\n\(list)")
    }
}
