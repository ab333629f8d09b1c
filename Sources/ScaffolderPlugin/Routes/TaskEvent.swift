import BackendKit

/// One entry of `GET /v2/tasks/:id/events` and of the event stream, shaped like Backstage's serialized task event:
/// `{id, taskId, body: {message, stepId?, status?}, type, createdAt}`.
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

    /// The type of the event a finished task's log ends with (and the `event_type` it is stored with).
    static let completionType = "completion"
    /// The type of the event a cancellation writes.
    static let cancelledType = "cancelled"

    /// Position in the log, from 1.
    let id: Int
    /// The task.
    let taskId: String
    /// The content.
    let body: Body
    /// `log`; `cancelled` for the line a cancellation writes; `completion` for the last event of a finished task.
    let type: String
    /// When it happened.
    let createdAt: String

    /// The event at position `id` of task `taskId`'s log, from its stored line and type; `finalStatus` is the task's
    /// status once it has finished (the completion event carries it).
    init(id: Int, taskId: String, entry: TaskLogEntry, type: String, finalStatus: TaskStatus?) {
        let status: String? =
            switch type {
            case Self.completionType: finalStatus?.rawValue
            case Self.cancelledType: TaskStatus.cancelled.rawValue
            default: nil
            }
        self.id = id
        self.taskId = taskId
        self.body = Body(message: entry.message, stepId: entry.stepId, status: status)
        self.type = type
        self.createdAt = entry.createdAt
    }

    /// The event as JSON with its members in Backstage's order: `{id, taskId, body, type, createdAt}`.
    var json: JSONValue {
        var body: JSONObject = ["message": .string(self.body.message)]
        if let stepId = self.body.stepId { body["stepId"] = .string(stepId) }
        if let status = self.body.status { body["status"] = .string(status) }
        return [
            "id": .int(id), "taskId": .string(taskId), "body": .object(body), "type": .string(type),
            "createdAt": .string(createdAt),
        ]
    }

    /// The events of `task`: one per log line, the last of a finished task being `completion` (with the task's
    /// status), the line a cancellation writes `cancelled` (with the status `cancelled`).
    static func events(of task: ScaffolderTask) -> [TaskEvent] {
        task.log.enumerated().map { index, entry in
            let isCompletion = task.status.isFinal && index == task.log.count - 1
            return TaskEvent(
                id: index + 1, taskId: task.id, entry: entry,
                type: isCompletion ? completionType : entry.type ?? "log",
                finalStatus: task.status.isFinal ? task.status : nil)
        }
    }
}
