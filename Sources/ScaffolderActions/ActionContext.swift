import BackendKit
import Foundation

/// What an action's handler gets when a step runs: the step's input, the task's workspace and caller, a client for
/// other plugins, and ways to log and to set outputs.
public struct ActionContext: Sendable {
    /// The task (`dry-run` in a dry run).
    public let taskId: String
    /// The step.
    public let stepId: String
    /// The step's `input`, rendered (`${{ parameters.name }}` and `${{ steps.<id>.output.<key> }}` replaced).
    public let input: JSONObject
    /// The secrets given with the task (`secrets` of `POST /v2/dry-run`); never stored or logged.
    public let secrets: JSONObject
    /// Who created the task: the subject of the caller's token (`plugin:catalog`, `external:ci`), nil without auth.
    public let createdBy: String?
    /// A directory of the task's own, shared by its steps and removed when the task ends. In a dry run it starts
    /// with the request's `directoryContents`, and what it holds at the end is the answer's `directoryContents`.
    public let workspace: URL
    /// The scaffolder's logger, with `task` and `step` metadata: for operators. ``log(_:)`` is what the task's
    /// client sees.
    public let logger: Logger
    /// A client for other plugins' APIs, calling as the scaffolder.
    public let client: ServiceClient
    /// Whether this is a dry run (`POST /v2/dry-run`): only actions that support it run, and nothing is stored.
    public let isDryRun: Bool
    private let sink: @Sendable (String) async -> Void
    private let outputBox = NIOLockedValueBox(JSONObject())

    /// A context (the scaffolder makes one per step; a test of a handler may make its own).
    ///
    /// - Parameter log: Receives each line of ``log(_:)``.
    public init(
        taskId: String, stepId: String, input: JSONObject, secrets: JSONObject = [:], createdBy: String? = nil,
        workspace: URL, logger: Logger, client: ServiceClient, isDryRun: Bool = false,
        log: @escaping @Sendable (String) async -> Void
    ) {
        self.taskId = taskId
        self.stepId = stepId
        self.input = input
        self.secrets = secrets
        self.createdBy = createdBy
        self.workspace = workspace
        self.logger = logger
        self.client = client
        self.isDryRun = isDryRun
        sink = log
    }

    /// Writes `message` to the task log, which `GET /v2/tasks/:id/eventstream` streams to the task's client.
    public func log(_ message: String) async {
        await sink(message)
    }

    /// Sets the step's output `name`, which later steps and the template's `output` read as
    /// `${{ steps.<step id>.output.<name> }}`.
    public func output(_ name: String, _ value: JSONValue) {
        outputBox.withLockedValue { $0[name] = value }
    }

    /// Every output set so far.
    public var outputs: JSONObject {
        outputBox.withLockedValue { $0 }
    }

    /// Whether the task was cancelled or timed out: a long-running handler checks this between pieces of work (or
    /// calls `try Task.checkCancellation()`).
    public var isCancelled: Bool {
        Task.isCancelled
    }

    /// The string input `key`, or an ``ActionError`` naming it.
    public func requiredString(_ key: String) throws(ActionError) -> String {
        guard let value = input[key]?.stringValue, !value.isEmpty else {
            throw ActionError("Input '\(key)' is required and must be a non-empty string")
        }
        return value
    }
}
