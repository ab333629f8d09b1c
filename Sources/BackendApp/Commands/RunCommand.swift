import ArgumentParser
import BackendConfig
import BackendKit
import Foundation
import Logging

/// `backend run` (also plain `backend`): serves the chosen sample plugins until SIGTERM or SIGINT.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the backend with the chosen plugins (default: catalog, scaffolder and search)."
    )

    @OptionGroup var config: ConfigOptions

    @Option(help: ArgumentHelp("Comma-separated plugin ids to run.", valueName: "ids"))
    var plugins: String?

    @Option(help: "development (default) or production. Default: BACKEND_ENV.")
    var env: BackendEnvironment?

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical. Default: LOG_LEVEL or info.")
    var logLevel: Logger.Level?

    func validate() throws {
        if let plugins {
            _ = try Self.selectPlugins(plugins)
        }
    }

    /// The plugins named in `--plugins`, in the order given.
    static func selectPlugins(_ list: String) throws -> [any BackendPlugin] {
        let ids = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !ids.isEmpty, !ids.contains(where: \.isEmpty) else {
            throw ValidationError("--plugins needs a comma-separated list of plugin ids.")
        }
        return try ids.map { id in
            guard let plugin = SamplePlugins.all.first(where: { $0.id == id }) else {
                let known = SamplePlugins.all.map(\.id).joined(separator: ", ")
                throw ValidationError("Unknown plugin '\(id)'; available plugins: \(known).")
            }
            return plugin
        }
    }

    func run() async throws {
        let selected = try plugins.map(Self.selectPlugins) ?? SamplePlugins.all
        var options = BackendHostOptions(configPaths: config.paths, environment: env)
        if let logLevel = logLevel ?? LogLevelEnvironment.level() {
            options.logLevel = logLevel
        }
        await BackendHost(options: options).runMain(plugins: selected)
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
