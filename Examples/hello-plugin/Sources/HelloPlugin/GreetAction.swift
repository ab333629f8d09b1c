import BackendKit
import ScaffolderActions

/// `hello:greet`, the scaffolder action this plugin contributes: stores a greeting for `name` in the hello plugin's
/// database (as `POST /api/hello/greetings` does, by the task's creator) and outputs its text as `greeting`.
///
/// In a dry run (`POST /api/scaffolder/v2/dry-run`) it stores nothing and outputs the greeting it would store: an
/// action that supports dry run keeps its effects to the workspace and the log when `isDryRun` is set.
struct GreetAction: TemplateAction {
    /// Where greetings live.
    let store: GreetingStore
    /// `hello.greeting`.
    let greeting: String

    let id = "hello:greet"
    let description = "Stores a greeting for someone in the hello plugin and outputs it."
    let supportsDryRun = true
    let examples = [
        ActionExample(
            description: "Greet the person a template asked for",
            example: """
                - id: greet
                  action: hello:greet
                  input:
                    name: ${{ parameters.name }}
                """)
    ]
    let inputSchema: JSONValue = [
        "type": "object", "required": ["name"],
        "properties": ["name": ["type": "string", "description": "Who to greet"]],
    ]
    let outputSchema: JSONValue = [
        "type": "object", "properties": ["greeting": ["type": "string", "description": "The greeting's text"]],
    ]

    func handle(_ context: ActionContext) async throws {
        let name = try context.requiredString("name")
        let text = "\(greeting) Nice to meet you, \(name)."
        if context.isDryRun {
            await context.log("Would greet \(name) (dry run: nothing stored)")
        } else {
            let stored = try await store.add(name: name, by: context.createdBy)
            await context.log("Greeted \(name) (greeting \(stored.id))")
        }
        context.output("greeting", .string(text))
    }
}
