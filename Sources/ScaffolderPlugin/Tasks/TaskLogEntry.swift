/// One line of a task's log.
struct TaskLogEntry: Sendable, Codable, Equatable {
    /// When it was written (ISO 8601, UTC, milliseconds).
    let createdAt: String
    /// The step it belongs to, if any.
    let stepId: String?
    /// `info` or `error`.
    let level: String
    /// The text.
    let message: String
}
