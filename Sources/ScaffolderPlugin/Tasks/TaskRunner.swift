import BackendKit
import Foundation

/// Runs one claimed task's steps in order (``StepExecutor``) in a workspace of its own, under the task timeout, recording
/// progress and the log in the `TaskStore` and a heartbeat every second. Never throws: every failure ends as a
/// `failed` task with a readable reason.
///
/// A task outlives a database outage: a read or write of its state that finds the database unavailable waits for
/// it, retrying every ``outageRetryInterval`` (the task pauses, and says so once through `onLog`), so the task
/// carries on where it was when the database is back instead of being abandoned to the janitor.
struct TaskRunner: Sendable {
    /// Where tasks live.
    let store: TaskStore
    /// Runs the steps with the registered actions.
    let steps: StepExecutor
    /// The limit for a whole task.
    let timeout: Duration
    /// Called for every log line (the plugin forwards it to its logger).
    let onLog: @Sendable (_ taskId: String, _ entry: TaskLogEntry) -> Void
    /// Counts the tasks that end here.
    var metrics = TaskMetrics(factory: BackendMetrics.disabled.factory)
    /// How often the worker writes the task's `last_heartbeat_at`.
    var heartbeatInterval: Duration = .seconds(1)
    /// How often a read or write of the task's state is retried while the database is unavailable.
    var outageRetryInterval: Duration = .seconds(1)
    /// The clock of log lines that are only logged, not stored (a task's stored times are the database's:
    /// ``TaskStore/now()``).
    var clock: any WallClock = SystemClock()

    /// Runs the task `id`, which this worker has claimed (``TaskStore/claimNext()``), to completion or failure. A
    /// task whose state cannot be read or written (the database stayed unavailable for longer than the task timeout,
    /// or failed otherwise) is reported through `onLog` and left as the database has it; the janitor fails it once
    /// its heartbeat is stale.
    func run(_ id: String) async {
        do {
            try await execute(id)
        } catch {
            onLog(
                id,
                TaskLogEntry(
                    createdAt: clock.timestamp(), stepId: nil, level: "error",
                    message: "The task's state could not be stored: \(error)"))
        }
    }

    private func execute(_ id: String) async throws {
        let store = self.store
        guard let template = try await stored(id, { try await store.template(forTask: id) }),
            let task = try await stored(id, { try await store.task(id) }),
            task.status == .processing
        else { return }
        await log(id, nil, "info", "Starting to run \(template.ref) with \(template.steps.count) step(s)")
        let outcome: Result<JSONValue?, any Error>
        do {
            let workspace = try TaskWorkspace.create(taskId: id)
            defer { workspace.remove(logger: steps.logger) }
            let run = StepExecutor.Run(
                taskId: id, values: task.values, createdBy: task.createdBy, workspace: workspace.url)
            // The heartbeat is also how a cancellation made on any replica reaches the running step: within one
            // interval (1 s) of it. A failed write (the database is briefly unreachable) is not a lost task: the
            // janitor decides.
            let heartbeat = Liveness(every: heartbeatInterval, orThrow: { TaskLostError() }) {
                (try? await store.heartbeat(id)) ?? true
            }
            let timeout = self.timeout
            let output = try await withTimeout(
                timeout, orThrow: { TaskTimeoutError(timeout: timeout) }, liveness: heartbeat
            ) {
                try await self.steps.run(template, run, reporter: StoreReporter(runner: self, taskId: id))
            }
            outcome = .success(output)
        } catch {
            outcome = .failure(error)
        }
        if case .failure(let error) = outcome, error is TaskLostError {
            // Cancelled through the API (on any replica), or failed by the janitor: either wrote the outcome.
            let cancelled = (try? await store.status(of: id)) == .cancelled
            onLog(
                id,
                TaskLogEntry(
                    createdAt: clock.timestamp(), stepId: nil, level: cancelled ? "info" : "error",
                    message: cancelled
                        ? "Stopped running the task: it was cancelled"
                        : "Stopped running the task: it is no longer processing (the janitor failed it)"))
            return
        }
        let now = try await stored(id) { try await store.now() }
        // The final line is stored with the final status, in one transaction (the completion event).
        let finished: ScaffolderTask?
        switch outcome {
        case .success(let output):
            finished = try await stored(id) {
                try await store.update(
                    id,
                    completion: { _ in
                        TaskLogEntry(createdAt: now, stepId: nil, level: "info", message: "Task completed")
                    }
                ) { task in
                    task.status = .completed
                    task.completedAt = now
                    task.output = output
                }
            }
        case .failure(let error):
            let reason = Self.reason(error)
            let failure = ScaffolderTask.Failure(name: Self.errorName(error), message: reason)
            finished = try await stored(id) {
                try await store.update(
                    id,
                    completion: { failed in
                        TaskLogEntry(
                            createdAt: now, stepId: failed.steps.first { $0.status == .failed }?.id, level: "error",
                            message: "Task failed: \(reason)")
                    }
                ) { $0.fail(at: now, error: failure) }
            }
        }
        guard let finished else { return }
        metrics.ended(finished.status)
        if let line = finished.log.last { onLog(id, line) }
    }

    /// Stores a step's progress with `update` (``stored(_:_:)``); throws ``TaskLostError`` when the task is no longer
    /// `processing` (cancelled, or failed by the janitor), so no later step starts.
    fileprivate func progress(_ id: String, _ update: @Sendable () async throws -> ScaffolderTask?) async throws {
        guard try await stored(id, update) != nil else { throw TaskLostError() }
    }

    /// Stores a log line and forwards it to `onLog`; a line that cannot be stored is still forwarded.
    fileprivate func log(_ id: String, _ stepId: String?, _ level: String, _ message: String) async {
        let store = self.store
        let entry =
            (try? await stored(id) { try await store.appendLog(id, stepId: stepId, level: level, message: message) })
            ?? TaskLogEntry(createdAt: clock.timestamp(), stepId: stepId, level: level, message: message)
        onLog(id, entry)
    }

    /// Runs `access` (a read or write of task `id`'s state) and, while it fails because the database is unavailable,
    /// runs it again every ``outageRetryInterval``: the task pauses until the database is back. Gives up with the
    /// error after the task timeout, or when the task is cancelled (its timeout, or the end of a shutdown's grace
    /// period). The first wait of each access is reported through `onLog`, so a paused task says why.
    @discardableResult
    fileprivate func stored<T: Sendable>(_ id: String, _ access: @Sendable () async throws -> T) async throws -> T {
        var deadline: ContinuousClock.Instant?
        while true {
            do {
                return try await access()
            } catch let error where PluginDatabase.isOutage(error) {
                let now = ContinuousClock.now
                if deadline == nil {
                    deadline = now + timeout
                    onLog(
                        id,
                        TaskLogEntry(
                            createdAt: clock.timestamp(), stepId: nil, level: "info",
                            message: "Waiting for the database to store the task's progress"))
                }
                guard let deadline, now < deadline else { throw error }
                try await Task.sleep(for: outageRetryInterval)
            }
        }
    }

    static func reason(_ error: any Error) -> String {
        switch error {
        case let failure as StepFailure:
            "Step '\(failure.stepName)' failed: \(reason(failure.underlying))"
        case is CancellationError:
            "The task was cancelled"
        case let error as any CustomStringConvertible:
            error.description
        default:
            String(describing: error)
        }
    }

    static func errorName(_ error: any Error) -> String {
        switch error {
        case let failure as StepFailure: errorName(failure.underlying)
        case is TaskTimeoutError: "TimeoutError"
        case is CatalogCallError: "CatalogError"
        case let error as any BackendError: error.name
        default: "Error"
        }
    }
}

/// The task stopped being `processing` while this worker ran it: it was cancelled, or the janitor failed it because
/// its heartbeat was stale, so another outcome must not be written over that.
struct TaskLostError: Error {}

/// A task that ran longer than `scaffolder.taskTimeout`.
struct TaskTimeoutError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The configured limit.
    let timeout: Duration

    /// `Task timed out after 5 seconds`.
    var description: String {
        "Task timed out after \(DurationText.describe(timeout))"
    }
}

/// Reports a task's progress to the task store: each step's status and times, and the log.
private struct StoreReporter: StepReporter {
    let runner: TaskRunner
    let taskId: String

    func started(_ step: TemplateStep) async throws {
        let (store, id) = (runner.store, taskId)
        let startedAt = try await runner.stored(id) { try await store.now() }
        try await runner.progress(id) {
            try await store.update(id) { $0.setStep(step.id, status: .processing, startedAt: startedAt) }
        }
    }

    func skipped(_ step: TemplateStep) async throws {
        let (store, id) = (runner.store, taskId)
        try await runner.progress(id) { try await store.update(id) { $0.setStep(step.id, status: .skipped) } }
    }

    func completed(_ step: TemplateStep) async throws {
        let (store, id) = (runner.store, taskId)
        let endedAt = try await runner.stored(id) { try await store.now() }
        try await runner.progress(id) {
            try await store.update(id) { $0.setStep(step.id, status: .completed, endedAt: endedAt) }
        }
    }

    func log(_ stepId: String?, _ level: String, _ message: String) async {
        await runner.log(taskId, stepId, level, message)
    }
}
