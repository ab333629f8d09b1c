import ArgumentParser
import BackendConfig
import BackendKit
import BackendRuntime

/// `backend config schema`: every config key the host and the sample plugins declare, as a JSON Schema document.
struct ConfigSchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the schema of every config key the backend reads (JSON Schema), for editors and CI."
    )

    func run() throws {
        let schema = BackendHost.configSchema(plugins: BackendCommand.plugins)
        print(schema.jsonSchema.jsonText(options: [.prettyPrinted, .sortedKeys, .escapingInvisibles]))
    }
}
