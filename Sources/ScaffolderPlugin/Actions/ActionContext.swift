import BackendKit

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
