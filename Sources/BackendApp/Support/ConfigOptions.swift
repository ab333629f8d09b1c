import ArgumentParser
import BackendConfig

/// The `--config FILE` option shared by every command that reads the app config.
struct ConfigOptions: ParsableArguments {
    @Option(
        name: .customLong("config"),
        help: ArgumentHelp(
            "A config file to load; repeatable, later files win. Default: app-config.yaml and app-config.local.yaml.",
            valueName: "file"
        )
    )
    var paths: [String] = []

    /// Loads and merges the config, reporting `Loaded config from …` on standard error.
    ///
    /// Any loading problem becomes a ``CommandFailure`` whose message is the loader's (file, line and key named).
    func load() throws -> LoadedConfig {
        let loaded: LoadedConfig
        do {
            loaded = try ConfigLoader().load(paths: paths)
        } catch {
            throw CommandFailure("\(error)")
        }
        StandardError.write("Loaded config from \(loaded.files.joined(separator: ", "))")
        return loaded
    }
}
