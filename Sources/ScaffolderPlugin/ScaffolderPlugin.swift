import BackendKit
import Foundation
import ScaffolderActions

/// The sample scaffolder, mounted at `/api/scaffolder`.
///
/// Runs `Template` entities from the catalog: `POST /v2/tasks` fetches the template through the
/// service client (with a server token), checks the required parameters, and queues a task that
/// a background worker runs step by step (`catalog:register` adds the new entity to the catalog
/// with `POST /entities`). Failures (a catalog that rejects the call, is down, or a task over
/// `scaffolder.taskTimeout`) end the task as `failed` with a readable reason. Config:
///
/// ```yaml
/// scaffolder:
///   taskTimeout: { minutes: 5 }   # or "5m", or milliseconds
///   concurrency: 2
///   maxTasks: 1000
///   maxOpenTasksPerCaller: 100
/// ```
///
/// Other plugins add step actions through the extension point ``ScaffolderExtensionPoints/actions`` (in the
/// `ScaffolderActions` module); an action id used twice fails startup.
///
/// Every input a task iterates over is bounded (``ScaffolderLimits``): steps per template, the rendered size of a
/// step's input, log bytes per line and per task, tasks per caller and in all, and the size of a list page.
public struct ScaffolderPlugin: BackendPlugin {
    /// `scaffolder`.
    public let id = "scaffolder"

    /// The longest wait of `GET /v2/tasks/:id/events` for a new event, in place of `scaffolder.eventsWaitTimeout`
    /// (tests shorten it).
    var eventsLongPollTimeout: Duration?

    /// Creates the plugin.
    public init() {}

    /// Reads the settings, adds the routes and registers the task worker as background work.
    public func register(_ routes: PluginRoutes, _ env: PluginEnvironment) async throws {
        let settings = try ScaffolderSettings(config: env.config)
        for warning in settings.warnings { env.logger.warning("\(warning)") }
        let store = TaskStore(database: env.database, limits: settings.limits)
        try await store.migrate()
        let catalog = ServiceCatalogAPI(client: env.client)
        let actions = try ActionRegistry(
            builtIn: ActionRegistry.builtIn(catalog: catalog),
            contributions: env.extensions.contributions(to: ScaffolderExtensionPoints.actions))
        let logger = env.logger
        let metrics = TaskMetrics(factory: env.metrics.factory)
        let steps = StepExecutor(
            actions: actions, client: env.client, logger: logger, maxStepInputBytes: settings.limits.maxStepInputBytes)
        var runner = TaskRunner(
            store: store, steps: steps, timeout: settings.taskTimeout,
            onLog: { taskId, entry in
                let level: Logger.Level = entry.level == "error" ? .error : .info
                logger.log(level: level, "\(entry.message)", metadata: ["task": "\(taskId)"])
            })
        runner.metrics = metrics
        let worker = TaskWorker(runner: runner, limit: settings.concurrentTasksLimit)
        routes.addBackgroundService(worker, name: "task-worker")
        let heartbeatTimeout = settings.heartbeatTimeout
        try await env.scheduler.scheduleTask(
            id: "scaffolder-task-janitor",
            schedule: TaskSchedule(
                frequency: settings.janitorFrequency, timeout: max(settings.janitorFrequency, .seconds(10)))
        ) {
            try await TaskWorker.failStaleTasks(
                store: store, heartbeatTimeout: heartbeatTimeout, metrics: metrics, logger: logger)
        }
        let longPoll = EventLongPoll(
            store: store, timeout: eventsLongPollTimeout ?? settings.eventsWaitTimeout)
        let watcher = TaskEventWatcher(store: store, metrics: env.metrics.factory)
        routes.addBackgroundService(watcher, name: "event-stream-watcher")
        let eventStream = EventStream(
            store: store, watcher: watcher, keepAliveInterval: settings.eventsKeepAliveInterval)
        let dryRun = DryRun(steps: steps, timeout: settings.taskTimeout, limits: settings.limits)
        ScaffolderRoutes(
            store: store, worker: worker, catalog: catalog, actions: actions, logger: logger, longPoll: longPoll,
            eventStream: eventStream, dryRun: dryRun
        )
        .add(to: routes)
        try await routes.addOpenAPIDocument(from: .module, environment: env)
    }
}
