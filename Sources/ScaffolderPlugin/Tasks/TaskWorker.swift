import BackendKit

/// The scaffolder's task worker (a ServiceLifecycle `Service` registered with the host): claims `open` tasks from
/// the database and runs up to `scaffolder.concurrentTasksLimit` of them at once.
///
/// Replicas share the `tasks` table, and a claim is a compare-and-set of a task's status (``TaskStore/claimNext()``),
/// so each task runs on exactly one of them. A task submitted to this process wakes the worker at once; tasks
/// submitted elsewhere are found by polling every second. With a limit of `0` the process accepts tasks and runs
/// none. While the database is unavailable the worker keeps polling, and the tasks it runs wait for it (see
/// ``TaskRunner``). On graceful shutdown it stops claiming and lets running tasks finish (each bounded by the task
/// timeout); tasks still open stay open for another replica or the next start.
struct TaskWorker: Service {
    /// Runs one task.
    let runner: TaskRunner
    /// Tasks run at the same time by this process.
    let limit: Int
    /// How often the worker looks for tasks submitted elsewhere.
    var pollInterval: Duration = .seconds(1)
    private let wakeUp = WakeSignal()

    /// A worker feeding `runner`, running at most `limit` tasks at once (`0`: none).
    init(runner: TaskRunner, limit: Int) {
        self.runner = runner
        self.limit = max(0, limit)
    }

    /// Tells the worker a task was submitted here, so it claims without waiting for the next poll.
    func wake() {
        wakeUp.signal()
    }

    /// Claims and runs tasks until graceful shutdown.
    func run() async {
        guard limit > 0 else { return }
        let running = RunningCount()
        await withTaskGroup(of: Void.self) { group in
            while !Task.isShuttingDownGracefully, !Task.isCancelled {
                while await running.value < limit {
                    let claimed: String?
                    do {
                        claimed = try await runner.store.claimNext()
                    } catch {
                        // During an outage (which the database logs once) the next poll simply tries again.
                        if !PluginDatabase.isOutage(error) {
                            runner.onLog(
                                "-",
                                TaskLogEntry(
                                    createdAt: runner.clock.timestamp(), stepId: nil, level: "error",
                                    message: "Could not claim a task: \(PluginDatabase.describe(error))"))
                        }
                        break
                    }
                    guard let id = claimed else { break }
                    await running.add(1)
                    group.addTask {
                        await runner.run(id)
                        await running.add(-1)
                        wakeUp.signal()
                    }
                }
                await cancelWhenGracefulShutdown { await wakeUp.wait(upTo: pollInterval) }
            }
        }
    }

    /// Fails every `processing` task whose heartbeat is older than `heartbeatTimeout`: its worker was killed or lost
    /// the database, so nobody will finish it. Runs as a global scheduled task, on one replica at a time.
    static func failStaleTasks(
        store: TaskStore, heartbeatTimeout: Duration, metrics: TaskMetrics, logger: Logger
    ) async throws {
        for id in try await store.staleTasks(heartbeatTimeout: heartbeatTimeout) {
            if try await store.failIfStale(id, heartbeatTimeout: heartbeatTimeout, message: lostWorkerMessage) {
                metrics.ended(.failed)
                logger.warning("Failed task \(id): its heartbeat is older than \(heartbeatTimeout)")
            }
        }
    }

    /// Backstage's message for a task whose worker went away.
    static let lostWorkerMessage = "The task was cancelled because the task worker lost connection to the task broker"
}

/// The number of tasks this worker is running; children decrement it as they finish.
private actor RunningCount {
    private(set) var value = 0

    func add(_ delta: Int) {
        value += delta
    }
}
