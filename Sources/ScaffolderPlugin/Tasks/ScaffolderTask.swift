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
    /// The subject of the caller that created the task (`context.caller.subject`); absent when the scaffolder runs
    /// with service-to-service auth disabled. Stored in the `created_by` column, not in the state.
    var createdBy: String?
}

extension ScaffolderTask {
    /// Ends the task as failed at `time`: the running step failed, the steps not started skipped.
    mutating func fail(at time: String, error: Failure) {
        for index in steps.indices {
            switch steps[index].status {
            case .processing:
                steps[index].status = .failed
                steps[index].endedAt = time
            case .open:
                steps[index].status = .skipped
            default:
                break
            }
        }
        status = .failed
        completedAt = time
        self.error = error
    }

    /// Ends the task as cancelled at `time`: the running step cancelled, the steps not started skipped.
    mutating func cancel(at time: String) {
        for index in steps.indices {
            switch steps[index].status {
            case .processing:
                steps[index].status = .cancelled
                steps[index].endedAt = time
            case .open:
                steps[index].status = .skipped
            default:
                break
            }
        }
        status = .cancelled
        completedAt = time
    }

    /// Updates one step's state and times.
    mutating func setStep(
        _ id: String, status: StepStatus, startedAt: String? = nil, endedAt: String? = nil
    ) {
        guard let index = steps.firstIndex(where: { $0.id == id }) else { return }
        steps[index].status = status
        if let startedAt { steps[index].startedAt = startedAt }
        if let endedAt { steps[index].endedAt = endedAt }
    }
}

/// The life cycle of a scaffolder task: `open` → `processing` → `completed` or `failed`; `open` or `processing` →
/// `cancelled` through `POST /v2/tasks/:id/cancel`.
enum TaskStatus: String, Sendable, Codable, CaseIterable {
    /// Accepted and queued.
    case open
    /// A worker is running its steps.
    case processing
    /// Every step succeeded.
    case completed
    /// A step failed, the task timed out, or the scaffolder shut down first.
    case failed
    /// A caller cancelled it before it finished.
    case cancelled

    /// Whether the task has finished.
    var isFinal: Bool {
        self == .completed || self == .failed || self == .cancelled
    }
}

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
    /// Its `if` was false, or an earlier step failed or the task was cancelled.
    case skipped
    /// It was running when the task was cancelled.
    case cancelled
}

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
    /// The event type when it is not a plain log line: `cancelled` for the line a cancellation writes (the
    /// `event_type` column; absent for `log`). The `completion` line a finished task ends with is stored as such but
    /// read back without a type, as the log of `GET /v2/tasks/:id` has always shown it.
    var type: String? = nil
}
