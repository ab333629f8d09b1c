/// The state of one step of a task.
enum StepStatus: String, Sendable, Codable {
    /// Not started yet.
    case open
    /// Running.
    case processing
    /// Finished successfully.
    case completed
    /// Threw an error.
    case failed
    /// Its `if` was false, or an earlier step failed.
    case skipped
}
