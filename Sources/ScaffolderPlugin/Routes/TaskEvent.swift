/// One entry of `GET /v2/tasks/:id/events`, shaped like Backstage's task events.
struct TaskEvent: Sendable, Encodable {
    /// The event's body.
    struct Body: Sendable, Encodable {
        /// The log text.
        let message: String
        /// The step, if any.
        let stepId: String?
        /// The task's final status, on the completion event.
        let status: String?
    }

    /// Position in the log, from 1.
    let id: Int
    /// The task.
    let taskId: String
    /// `log`; `cancelled` for the line a cancellation writes; `completion` for the last event of a finished task.
    let type: String
    /// When it happened.
    let createdAt: String
    /// The content.
    let body: Body

    /// The events of `task`: one per log line, the last of a finished task being `completion` (with the task's
    /// status), the line a cancellation writes `cancelled` (with the status `cancelled`).
    static func events(of task: ScaffolderTask) -> [TaskEvent] {
        task.log.enumerated().map { index, entry in
            let isCompletion = task.status.isFinal && index == task.log.count - 1
            let type = isCompletion ? "completion" : entry.type ?? "log"
            let status: String? =
                isCompletion ? task.status.rawValue : type == "cancelled" ? TaskStatus.cancelled.rawValue : nil
            return TaskEvent(
                id: index + 1, taskId: task.id, type: type, createdAt: entry.createdAt,
                body: Body(message: entry.message, stepId: entry.stepId, status: status))
        }
    }
}
