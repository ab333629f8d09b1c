/// `GET /v2/tasks`'s body.
struct TaskList: Sendable, Encodable {
    /// The tasks.
    let tasks: [ScaffolderTask]
    /// How many.
    let totalTasks: Int
}
