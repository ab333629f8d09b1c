import ArgumentParser
import BackendConfig
import BackendKit
import BackendRuntime
import Foundation
import Logging

/// `backend run` (also plain `backend`): serves the chosen sample plugins until SIGTERM or SIGINT.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the backend with the chosen plugins (default: catalog, scaffolder and search)."
    )

    @OptionGroup var host: BackendHostArguments

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical. Default: LOG_LEVEL or info.")
    var logLevel: Logger.Level?

    func validate() throws {
        do {
            _ = try BackendHost.selectPlugins(BackendCommand.plugins, ids: host.pluginIds)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func run() async throws {
        var options = BackendHostOptions()
        host.apply(to: &options)
        if let logLevel = logLevel ?? LogLevelEnvironment.level() {
            options.logLevel = logLevel
        }
        await BackendHost(options: options).runMain(plugins: BackendCommand.plugins)
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
