import BackendKit
import ScaffolderActions

/// `debug:log`: writes `message` to the task log.
struct DebugLogAction: TemplateAction {
    let id = "debug:log"
    let description = "Writes a message to the task log."
    let supportsDryRun = true
    let inputSchema: JSONValue = .object([
        "type": .string("object"),
        "properties": .object(["message": .object(["type": .string("string")])]),
    ])

    func handle(_ context: ActionContext) async throws {
        if let message = context.input["message"] {
            await context.log(message.scalarText ?? message.jsonText(options: .sortedKeys))
        }
    }
}
