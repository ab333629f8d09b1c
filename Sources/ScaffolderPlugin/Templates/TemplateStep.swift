import BackendKit

/// One step of a template's `spec.steps`.
struct TemplateStep: Sendable, Equatable {
    /// The step's id (used by `${{ steps.<id>.output.x }}`).
    let id: String
    /// A human name for the log (defaults to the id).
    let name: String
    /// The action id, such as `catalog:register`.
    let action: String
    /// The unrendered input object.
    let input: JSONValue
    /// The unrendered `if` condition, if any.
    let condition: JSONValue?
}
