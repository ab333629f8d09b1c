import BackendKit

/// A step action the scaffolder runs, such as `catalog:register` or an action another plugin contributes.
///
/// A template step names the action by ``id`` (`action: hello:greet`); the scaffolder renders the step's `input`,
/// checks nothing more about it (``handle(_:)`` validates what it reads, and ``ActionContext/requiredString(_:)``
/// says what is missing), and runs the handler with the task's ``ActionContext``. `GET /api/scaffolder/v2/actions`
/// lists every action with its description, examples and schemas.
///
/// Offer an action from any plugin by contributing it to ``ScaffolderExtensionPoints/actions``:
///
/// ```swift
/// struct GreetAction: TemplateAction {
///     let id = "hello:greet"
///     let description = "Greets someone in the task log and as the output `greeting`."
///     let supportsDryRun = true
///     func handle(_ context: ActionContext) async throws {
///         let name = try context.requiredString("name")
///         await context.log("Hello, \(name)!")
///         context.output("greeting", .string("Hello, \(name)!"))
///     }
/// }
///
/// // In the contributing plugin:
/// public func contribute(to extensions: PluginExtensions, _ env: PluginEnvironment) async throws {
///     try extensions.contribute(GreetAction(), to: ScaffolderExtensionPoints.actions)
/// }
/// ```
public protocol TemplateAction: Sendable {
    /// The id steps name in `action:`, by convention `<namespace>:<verb>` (`hello:greet`). Unique across the backend:
    /// a second action with the same id fails startup.
    var id: String { get }
    /// What it does, for `GET /v2/actions`.
    var description: String { get }
    /// Example steps using it, for `GET /v2/actions` (none by default).
    var examples: [ActionExample] { get }
    /// The JSON schema of the step's `input` (`{"type": "object"}` by default).
    var inputSchema: JSONValue { get }
    /// The JSON schema of what the handler passes to ``ActionContext/output(_:_:)`` (`{"type": "object"}` by
    /// default).
    var outputSchema: JSONValue { get }
    /// Whether the action may run in a dry run (`POST /v2/dry-run`): true only when it has no effect outside the
    /// task's workspace and log, or skips that effect when ``ActionContext/isDryRun`` is set. A dry run skips the
    /// steps of other actions, with a log line. False by default.
    var supportsDryRun: Bool { get }
    /// Runs the action for one step.
    ///
    /// The handler runs in a task that is cancelled when the scaffolder task is cancelled (on any replica) or times
    /// out: `Task.sleep`, the service client and database calls then throw `CancellationError`, and long loops should
    /// check ``ActionContext/isCancelled``. A thrown error fails the step and the task, with the error's description
    /// as the reason (throw ``ActionError`` for a readable one).
    func handle(_ context: ActionContext) async throws
}

extension TemplateAction {
    /// None.
    public var examples: [ActionExample] { [] }
    /// `{"type": "object"}`.
    public var inputSchema: JSONValue { ["type": "object"] }
    /// `{"type": "object"}`.
    public var outputSchema: JSONValue { ["type": "object"] }
    /// False: an action runs in a dry run only when it says so.
    public var supportsDryRun: Bool { false }
}

/// An example of a step using an action, as `GET /v2/actions` lists it (Backstage's `{description, example}`).
public struct ActionExample: Sendable, Equatable {
    /// What the example shows.
    public let description: String
    /// The step, as YAML.
    public let example: String

    /// An example described by `description`, with the step `example` in YAML.
    public init(description: String, example: String) {
        self.description = description
        self.example = example
    }
}

/// An action's failure, with a reason the task log shows as `Step '<name>' failed: <message>`.
public struct ActionError: MessageError {
    /// The reason.
    public let message: String

    /// Wraps a reason.
    public init(_ message: String) {
        self.message = message
    }
}
