import BackendJSON
import Foundation
import NIOConcurrencyHelpers

/// One scheduled task in this process: its schedule, its work, and what its worker is doing.
final class ScheduledTask: Sendable {
    /// What this process's worker is doing, as the scheduler route reports it (`workerState.status`).
    enum WorkerStatus: String, Sendable {
        case initialWait = "initial-wait"
        case idle
        case running
    }

    /// A local task's state, kept in memory (a global task's is in the database).
    struct LocalState: Sendable {
        var startsAt: String?
        var startedAt: String?
        var timesOutAt: String?
        var lastRunEndedAt: String?
        var lastRunError: String?
    }

    let id: String
    let schedule: TaskSchedule
    let work: @Sendable () async throws -> Void
    /// Signalled by a trigger, so the worker looks at once.
    let wake = WakeSignal()
    private let status = NIOLockedValueBox(WorkerStatus.idle)
    private let local = NIOLockedValueBox(LocalState())

    init(id: String, schedule: TaskSchedule, work: @escaping @Sendable () async throws -> Void) {
        self.id = id
        self.schedule = schedule
        self.work = work
    }

    var workerStatus: WorkerStatus {
        get { status.withLockedValue { $0 } }
        set { status.withLockedValue { $0 = newValue } }
    }

    var isRunning: Bool { workerStatus == .running }

    var localState: LocalState {
        get { local.withLockedValue { $0 } }
        set { local.withLockedValue { $0 = newValue } }
    }

    /// The local state as the route's `taskState`.
    var localTaskState: JSONValue {
        let state = localState
        var members = JSONObject()
        if let startedAt = state.startedAt {
            members["status"] = .string("running")
            members["startedAt"] = .string(startedAt)
            if let timesOutAt = state.timesOutAt { members["timesOutAt"] = .string(timesOutAt) }
        } else {
            members["status"] = .string("idle")
            if let startsAt = state.startsAt { members["startsAt"] = .string(startsAt) }
        }
        if let ended = state.lastRunEndedAt { members["lastRunEndedAt"] = .string(ended) }
        if let error = state.lastRunError { members["lastRunError"] = .string(error) }
        return .object(members)
    }
}

/// A run stopped by the scheduler rather than by its work.
enum ScheduledRunStop: Error, CustomStringConvertible {
    case timedOut(Duration)
    case leaseLost

    var description: String {
        switch self {
        case .timedOut(let timeout): "The task timed out after \(TaskSchedule.iso(timeout))"
        case .leaseLost: "The task's lease was taken away (it expired or the task was cancelled)"
        }
    }
}

/// Runs one task for the life of the scheduler: after the initial delay, global tasks whenever this replica wins
/// the lease of a due run, local tasks every `frequency`.
struct ScheduledTaskWorker: Sendable {
    let scheduler: PluginScheduler
    let task: ScheduledTask
    /// The clock of a local task's times, which are this process's own (a global task's come from the database).
    var clock: any WallClock = SystemClock()

    private var logger: Logger {
        var logger = scheduler.logger
        logger[metadataKey: "task"] = .string(task.id)
        return logger
    }

    func run() async {
        let schedule = task.schedule
        if schedule.initialDelay > .zero {
            task.workerStatus = .initialWait
            // A trigger cuts the wait short, as it does Backstage's.
            await task.wake.wait(upTo: schedule.initialDelay)
        }
        task.workerStatus = .idle
        switch schedule.scope {
        case .global: await runGlobal()
        case .local: await runLocal()
        }
    }

    /// Claims and runs the task whenever it is due. A database error never ends the loop: the next poll tries again,
    /// and a run that ended while the database was unavailable gives its lease back as soon as the database is back
    /// (rather than holding the task up until the lease expires).
    private func runGlobal() async {
        let poll = PluginScheduler.pollInterval(task.schedule)
        var unreleased: FinishedRun?
        while !Task.isCancelled {
            do {
                if let run = unreleased, try await !release(run, keepingOnOutage: &unreleased) {
                    logger.debug("The lease of task '\(task.id)' expired while the database was away")
                }
                let ticket = UUID.randomLowercased()
                if try await scheduler.table.claim(id: task.id, ticket: ticket, timeout: task.schedule.timeout) {
                    let error = await execute(liveness: { try await scheduler.table.holds(id: task.id, ticket: ticket) }
                    )
                    let run = FinishedRun(ticket: ticket, error: error)
                    if try await !release(run, keepingOnOutage: &unreleased) {
                        logger.warning("The lease of task '\(task.id)' was gone when its run ended")
                    }
                }
            } catch {
                // An outage is logged once by the database; each poll during it is not news.
                logger.log(
                    level: PluginDatabase.isOutage(error) ? .debug : .warning,
                    "Task worker for '\(task.id)' failed: \(PluginDatabase.describe(error))")
            }
            await task.wake.wait(upTo: poll)
        }
    }

    /// A run whose lease is still to be given back.
    private struct FinishedRun: Sendable {
        let ticket: String
        let error: (any Error)?
    }

    /// Gives the lease of `run` back with the next start time; false when the lease was no longer held. When the
    /// database is unavailable, `unreleased` keeps `run` for the next poll to try again; otherwise it is cleared.
    private func release(_ run: FinishedRun, keepingOnOutage unreleased: inout FinishedRun?) async throws -> Bool {
        let table = scheduler.table
        let (id, frequency) = (task.id, task.schedule.frequency)
        do {
            // Released from an unstructured task: a run cut short by shutdown still gives its lease back.
            let released = try await Task {
                try await table.release(id: id, ticket: run.ticket, frequency: frequency, error: run.error)
            }.value
            unreleased = nil
            return released
        } catch {
            unreleased = PluginDatabase.isOutage(error) ? run : nil
            throw error
        }
    }

    private func runLocal() async {
        while !Task.isCancelled {
            let startedAt = ContinuousClock.now
            task.localState.startedAt = clock.timestamp()
            task.localState.timesOutAt = clock.timestamp(after: task.schedule.timeout)
            let error = await execute(liveness: nil)
            var state = task.localState
            state.startedAt = nil
            state.timesOutAt = nil
            state.lastRunEndedAt = clock.timestamp()
            state.lastRunError = error.map { "\($0)" }
            let wait = task.schedule.frequency - (ContinuousClock.now - startedAt)
            state.startsAt = clock.timestamp(after: max(wait, .zero))
            task.localState = state
            guard !Task.isCancelled else { return }
            if wait > .zero { await task.wake.wait(upTo: wait) }
        }
    }

    /// Runs the work once under the timeout (and, for a global task, while `liveness` says the lease is held);
    /// returns the run's error, if any.
    private func execute(liveness: (@Sendable () async throws -> Bool)?) async -> (any Error)? {
        task.workerStatus = .running
        defer { task.workerStatus = .idle }
        let metrics = scheduler.metrics
        metrics.recordTaskRun(taskId: task.id, scope: task.schedule.scope, result: .started)
        let (work, timeout) = (task.work, task.schedule.timeout)
        let poll = PluginScheduler.pollInterval(task.schedule)
        // A lease check that cannot tell (the database is briefly unreachable) keeps the run going.
        let lease = liveness.map { liveness in
            Liveness(every: poll, orThrow: { ScheduledRunStop.leaseLost }) { (try? await liveness()) ?? true }
        }
        let result: (any Error)?
        do {
            try await withTimeout(timeout, orThrow: { ScheduledRunStop.timedOut(timeout) }, liveness: lease, work)
            result = nil
        } catch {
            result = error
        }
        if let result {
            // A run that found its database unavailable is recorded like any failure, but not logged as one each
            // time: the database logs the outage once.
            logger.log(
                level: PluginDatabase.isOutage(result) ? .debug : .error,
                "Scheduled task '\(task.id)' failed: \(result)")
        }
        metrics.recordTaskRun(taskId: task.id, scope: task.schedule.scope, result: result == nil ? .completed : .failed)
        return result
    }
}
