import ArgumentParser
import BackendConfig
import BackendKit
import BackendRuntime

/// `backend config print`: the merged config with secrets redacted.
struct ConfigPrintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "print",
        abstract:
            "Print the merged config; secrets (keys the schema marks secret, credential-like names, URL passwords) "
            + "are redacted unless --with-secrets is given."
    )

    /// Output formats of `config print`.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case yaml
        case json
    }

    @OptionGroup var config: ConfigOptions

    @Flag(name: .customLong("with-secrets"), help: "Print secret values instead of <secret>.")
    var withSecrets = false

    @Option(help: "Output format: yaml or json.")
    var format: Format = .yaml

    func run() throws {
        let loaded = try config.load()
        let schema = BackendHost.configSchema(plugins: BackendCommand.plugins)
        let value = withSecrets ? loaded.value : schema.redactingSecrets(in: loaded.value)
        switch format {
        case .yaml:
            print(value.yamlString(), terminator: "")
        case .json:
            print(value.jsonText(options: [.prettyPrinted, .escapingInvisibles]))
        }
    }
}
