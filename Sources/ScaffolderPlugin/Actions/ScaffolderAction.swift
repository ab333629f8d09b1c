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
