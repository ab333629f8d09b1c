import Foundation
import NIOConcurrencyHelpers

/// A plugin's scheduler, `env.scheduler`: runs work on a schedule, once across every replica (`global`) or in each
/// process (`local`), as Backstage's `SchedulerService` does.
///
/// Global tasks coordinate through the plugin's database (the `backstage_backend_tasks__tasks` table): a run
/// starts only on the replica whose conditional update took the task's lease, the lease expires after the task's
/// timeout, and a janitor clears expired leases, so a replica that dies mid-run holds nobody up for longer than
/// that. Each worker polls at least every 5 seconds, or every `frequency` when that is shorter. On SQLite (one
/// process) the same code runs.
///
/// A run is cancelled when it exceeds its timeout, when its lease is lost, and when the backend shuts down. Runs
/// start once every plugin has registered; the host serves `GET /.backstage/scheduler/v1/tasks` and
/// `POST /.backstage/scheduler/v1/tasks/:id/trigger` under each plugin's mount.
///
/// ```swift
/// try await env.scheduler.scheduleTask(
///     id: "refresh-things", schedule: TaskSchedule(frequency: .seconds(600), timeout: .seconds(900))
/// ) {
///     try await refresh()
/// }
/// ```
public final class PluginScheduler: Sendable {
    /// The plugin the scheduler belongs to.
    public let pluginId: String
    let table: SchedulerTaskTable
    let logger: Logger
    /// Where runs are counted (`backend_tasks_task_runs_count`).
    let metrics: BackendMetrics
    private let state = NIOLockedValueBox(State())
    private let additions: AsyncStream<ScheduledTask>
    private let addition: AsyncStream<ScheduledTask>.Continuation

    private struct State {
        var tasks: [ScheduledTask] = []
        var migrated = false
    }

    /// The longest a worker waits between two looks at the table.
    static let maximumPollInterval: Duration = .seconds(5)

    /// A scheduler for `pluginId`'s tasks in `database` (the host creates one per plugin), counting runs in
    /// `metrics`.
    public init(pluginId: String, database: PluginDatabase, logger: Logger, metrics: BackendMetrics = .disabled) {
        self.pluginId = pluginId
        self.table = SchedulerTaskTable(database: database)
        self.logger = logger
        self.metrics = metrics
        (additions, addition) = AsyncStream.makeStream(of: ScheduledTask.self)
    }

    /// Schedules `work` under `id` (letters, digits, `-`, `_` and `.`; unique within the plugin).
    ///
    /// A global task is recorded in the plugin's database at once (creating the table on first use); if another
    /// replica recorded it already, its next start stays unless this schedule would start it sooner.
    ///
    /// - Throws: `InputError` for an invalid or repeated id or a non-positive frequency or timeout; a database
    ///   error when a global task cannot be recorded.
    public func scheduleTask(
        id: String, schedule: TaskSchedule, _ work: @escaping @Sendable () async throws -> Void
    ) async throws {
        guard PluginIdentifier.isValid(id) else {
            throw InputError("Invalid task id '\(id)'; use letters, digits, '-', '_' and '.'")
        }
        guard schedule.frequency > .zero, schedule.timeout > .zero else {
            throw InputError("Task '\(id)' needs a positive frequency and timeout")
        }
        let task = ScheduledTask(id: id, schedule: schedule, work: work)
        let isNew = state.withLockedValue { state in
            guard !state.tasks.contains(where: { $0.id == id }) else { return false }
            state.tasks.append(task)
            return true
        }
        guard isNew else { throw InputError("Task '\(id)' is already scheduled in plugin '\(pluginId)'") }
        if schedule.scope == .global {
            do {
                try await migrateOnce()
                try await table.persist(id: id, schedule: schedule)
            } catch {
                state.withLockedValue { $0.tasks.removeAll { $0.id == id } }
                throw error
            }
        }
        logger.info(
            "Scheduled task '\(id)'",
            metadata: ["settings": "\(schedule.settings.jsonText(options: .sortedKeys))", "scope": "\(schedule.scope)"])
        addition.yield(task)
    }

    /// Schedules `work`; see ``scheduleTask(id:schedule:_:)``.
    public func scheduleTask(
        id: String, frequency: Duration, timeout: Duration, initialDelay: Duration = .zero,
        scope: TaskScope = .global, _ work: @escaping @Sendable () async throws -> Void
    ) async throws {
        try await scheduleTask(
            id: id,
            schedule: TaskSchedule(frequency: frequency, timeout: timeout, initialDelay: initialDelay, scope: scope),
            work)
    }

    /// Makes task `id` due now: a global task is started by whichever replica claims it first, a local one by this
    /// process.
    ///
    /// - Throws: ``NotFoundError`` `Task <id> does not exist`; ``ConflictError`` `Task <id> is currently running`.
    public func triggerTask(_ id: String) async throws {
        guard let task = self.task(id) else { throw NotFoundError("Task \(id) does not exist") }
        switch task.schedule.scope {
        case .global:
            try await table.trigger(id: id)
        case .local:
            guard !task.isRunning else { throw ConflictError("Task \(id) is currently running") }
        }
        task.wake.signal()
    }

    /// The tasks scheduled in this process, in scheduling order.
    public var scheduledTasks: [(id: String, schedule: TaskSchedule)] {
        state.withLockedValue { $0.tasks.map { ($0.id, $0.schedule) } }
    }

    func task(_ id: String) -> ScheduledTask? {
        state.withLockedValue { state in state.tasks.first { $0.id == id } }
    }

    var tasks: [ScheduledTask] { state.withLockedValue { $0.tasks } }

    private func migrateOnce() async throws {
        guard !state.withLockedValue({ $0.migrated }) else { return }
        try await table.migrate()
        state.withLockedValue { $0.migrated = true }
    }
}

extension PluginScheduler: Service {
    /// Runs every scheduled task's worker (and the lease janitor once a global task exists) until graceful shutdown,
    /// which also cancels the runs in progress.
    public func run() async {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                var janitorStarted = false
                for await task in self.additions {
                    if task.schedule.scope == .global, !janitorStarted {
                        janitorStarted = true
                        group.addTask { await self.runLeaseJanitor() }
                    }
                    group.addTask { await ScheduledTaskWorker(scheduler: self, task: task).run() }
                }
            }
        }
        addition.finish()
    }

    /// Clears expired leases every poll interval of the most frequent global task.
    private func runLeaseJanitor() async {
        while !Task.isCancelled {
            let interval = tasks.filter { $0.schedule.scope == .global }.map { Self.pollInterval($0.schedule) }.min()
            try? await Task.sleep(for: interval ?? Self.maximumPollInterval)
            guard !Task.isCancelled else { return }
            do {
                for id in try await table.clearExpiredLeases() {
                    logger.warning("Cleared the expired lease of task '\(id)'; its run timed out or its worker is gone")
                }
            } catch {
                // An outage is logged once by the database.
                logger.log(
                    level: PluginDatabase.isOutage(error) ? .debug : .warning,
                    "Could not clear expired task leases: \(PluginDatabase.describe(error))")
            }
        }
    }

    /// How often a worker looks for due work: every 5 seconds, or every `frequency` when that is shorter.
    static func pollInterval(_ schedule: TaskSchedule) -> Duration {
        min(maximumPollInterval, schedule.frequency)
    }
}
