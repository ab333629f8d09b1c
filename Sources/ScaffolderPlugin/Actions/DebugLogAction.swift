import BackendKit

/// `debug:log`: writes `message` to the task log.
struct DebugLogAction: ScaffolderAction {
    let id = "debug:log"
    let description = "Writes a message to the task log."
    let schema: JSONValue = .object([
        "input": .object([
            "type": .string("object"),
            "properties": .object(["message": .object(["type": .string("string")])]),
        ])
    ])

    func handle(_ context: ActionContext) async throws -> JSONObject {
        if let message = context.input["message"] {
            await context.log(message.scalarText ?? message.jsonText(options: .sortedKeys))
        }
        return [:]
    }
}
