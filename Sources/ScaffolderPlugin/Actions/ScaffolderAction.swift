import BackendKit

/// A built-in step action, such as `catalog:register`.
protocol ScaffolderAction: Sendable {
    /// The id steps name in `action:`.
    var id: String { get }
    /// What it does, for `GET /v2/actions`.
    var description: String { get }
    /// `{input: <JSON schema>, output: <JSON schema>}`, for `GET /v2/actions`.
    var schema: JSONValue { get }
    /// Runs the action with the rendered input and returns its output.
    func handle(_ context: ActionContext) async throws -> JSONObject
}

/// An action's failure, with a readable reason for the task log.
struct ActionError: MessageError {
    /// The reason.
    let message: String

    /// Wraps a reason.
    init(_ message: String) {
        self.message = message
    }
}

/// What an action gets when a step runs.
struct ActionContext: Sendable {
    /// The task.
    let taskId: String
    /// The step.
    let stepId: String
    /// The rendered `input` of the step.
    let input: JSONObject
    /// The catalog, reached with the service client.
    let catalog: any CatalogAPI
    /// Writes a line to the task log.
    let log: @Sendable (String) async -> Void

    /// The string input `key`, or an `ActionError` naming it.
    func requiredString(_ key: String) throws -> String {
        guard let value = input[key]?.stringValue, !value.isEmpty else {
            throw ActionError("Input '\(key)' is required and must be a non-empty string")
        }
        return value
    }
}
