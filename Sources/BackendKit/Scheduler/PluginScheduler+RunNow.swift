extension PluginScheduler {
    /// Runs task `id`'s work once in the calling task and returns when it has finished, throwing what the work
    /// threw: the test kit's "run the scheduled tasks now".
    ///
    /// It bypasses the schedule: no lease is taken, the next start recorded in the database stays as it was, no
    /// timeout applies and no run is counted in the metrics. A worker may still start its own run at the same time
    /// (a task due at startup is), as another replica could.
    ///
    /// - Throws: ``NotFoundError`` `Task <id> does not exist`, or the work's error.
    package func runNow(_ id: String) async throws {
        guard let task = self.task(id) else { throw NotFoundError("Task \(id) does not exist") }
        try await task.work()
    }
}
