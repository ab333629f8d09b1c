/// A task that ran longer than `scaffolder.taskTimeout`.
struct TaskTimeoutError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The configured limit.
    let timeout: Duration

    /// `Task timed out after 5 seconds`.
    var description: String {
        "Task timed out after \(DurationText.describe(timeout))"
    }
}
