/// The progress of one template step inside a task.
struct TaskStep: Sendable, Codable, Equatable {
    /// The step id.
    let id: String
    /// The step name.
    let name: String
    /// The action it runs.
    let action: String
    /// Its state.
    var status: StepStatus
    /// When it started.
    var startedAt: String?
    /// When it finished.
    var endedAt: String?
}
