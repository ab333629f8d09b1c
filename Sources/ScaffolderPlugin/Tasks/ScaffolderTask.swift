import BackendKit

/// A scaffolder task: a template run with some values, as `GET /v2/tasks/:id` returns it.
struct ScaffolderTask: Sendable, Codable, Equatable {
    /// The error a failed task reports.
    struct Failure: Sendable, Codable, Equatable {
        /// The error type (`Error`, `TimeoutError`, …).
        let name: String
        /// A readable reason.
        let message: String
    }

    /// The task id (a UUID).
    let id: String
    /// `template:<namespace>/<name>`.
    let templateRef: String
    /// The parameter values it was created with.
    let values: JSONObject
    /// Current state.
    var status: TaskStatus
    /// When it was accepted.
    let createdAt: String
    /// Last time a worker touched it.
    var lastHeartbeatAt: String
    /// When it finished.
    var completedAt: String?
    /// Per-step progress.
    var steps: [TaskStep]
    /// What happened, with timestamps.
    var log: [TaskLogEntry]
    /// The rendered `spec.output` of a completed task.
    var output: JSONValue?
    /// Why a failed task failed.
    var error: Failure?
}
