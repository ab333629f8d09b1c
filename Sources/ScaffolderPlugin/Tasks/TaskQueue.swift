import BackendKit

/// The scaffolder's background worker (a ServiceLifecycle `Service` registered with the host):
/// takes queued task ids and runs up to `concurrency` tasks at once.
///
/// On graceful shutdown it stops taking new tasks, lets running ones finish (each is bounded by
/// the task timeout), and fails the ones still queued with a readable reason.
struct TaskQueue: Service {
    private let stream: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation
    /// Runs one task.
    let runner: TaskRunner
    /// Tasks run at the same time.
    let concurrency: Int

    /// A queue feeding `runner`, running `concurrency` tasks at once (at least 1).
    init(runner: TaskRunner, concurrency: Int) {
        (stream, continuation) = AsyncStream.makeStream(of: String.self)
        self.runner = runner
        self.concurrency = max(1, concurrency)
    }

    /// Queues a task; it starts when a worker slot is free.
    func enqueue(_ id: String) {
        continuation.yield(id)
    }

    /// Runs tasks until graceful shutdown.
    func run() async {
        // Tasks accepted before a restart and never started are in the database: run them now.
        for task in (try? await runner.store.list(status: .open)) ?? [] {
            continuation.yield(task.id)
        }
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for await id in stream.cancelOnGracefulShutdown() {
                if running >= concurrency {
                    await group.next()
                    running -= 1
                }
                group.addTask { await runner.run(id) }
                running += 1
            }
        }
        continuation.finish()
        for task in (try? await runner.store.list(status: .open)) ?? [] {
            try? await runner.abandon(task.id)
        }
    }
}
