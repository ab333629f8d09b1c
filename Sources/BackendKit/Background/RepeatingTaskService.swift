/// Runs a closure on a fixed interval until graceful shutdown.
struct RepeatingTaskService: Service {
    /// The task's name, for logs.
    let name: String
    /// Delay before the first run.
    let initialDelay: Duration
    /// Delay between the end of one run and the start of the next.
    let interval: Duration
    /// The plugin's logger.
    let logger: Logger
    /// The work.
    let work: @Sendable () async throws -> Void

    func run() async throws {
        guard await sleepUnlessShutdown(initialDelay) else { return }
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                try await work()
            } catch is CancellationError {
                return
            } catch {
                logger.error("Repeating task '\(name)' failed: \(error)")
            }
            guard await sleepUnlessShutdown(interval) else { return }
        }
    }

    /// Sleeps for `duration`; false when graceful shutdown or cancellation cut the sleep short.
    private func sleepUnlessShutdown(_ duration: Duration) async -> Bool {
        do {
            try await cancelWhenGracefulShutdown {
                try await Task.sleep(for: duration)
            }
            return !Task.isShuttingDownGracefully && !Task.isCancelled
        } catch {
            return false
        }
    }
}
