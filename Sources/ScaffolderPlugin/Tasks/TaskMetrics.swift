import BackendKit

/// `scaffolder_tasks_total{status}`: tasks this process saw end, by final status (`completed`, `failed`,
/// `cancelled`), counted where they ended (by the worker that ran them, the janitor that failed them, or the replica
/// that answered the cancel request), so the sum over replicas counts each task once.
struct TaskMetrics: Sendable {
    /// The counter's name.
    static let tasksTotal = "scaffolder_tasks_total"

    /// Where the counter is made (the host's metrics factory).
    let factory: any MetricsFactory

    /// Counts a task that ended with `status`.
    func ended(_ status: TaskStatus) {
        Counter(label: Self.tasksTotal, dimensions: [("status", status.rawValue)], factory: factory).increment()
    }
}
