import ArgumentParser
import BackendConfig

/// `backend config`: inspect the merged app config.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check or print the merged app config, or print its schema.",
        subcommands: [ConfigCheckCommand.self, ConfigPrintCommand.self, ConfigSchemaCommand.self]
    )
}
