import NIOConcurrencyHelpers
import PostgresNIO

/// Runs one `PostgresClient` (whose pool serves connections only while its `run()` runs) exactly once, in the task
/// that ``PostgresPool/run()`` gives it, and stops it on request (at shutdown, or when the pool replaces it).
final class PostgresClientRunner: Sendable {
    private let client: PostgresClient
    private let state = NIOLockedValueBox(State())
    private let stopSignal = AsyncStream.makeStream(of: Void.self)

    private struct State {
        /// `run()` has been called.
        var started = false
        /// `run()` has returned: the pool is closed.
        var finished = false
        /// ``stop()`` was called.
        var stopRequested = false
        /// Callers of ``stop()`` waiting for `run()` to return.
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    init(client: PostgresClient) {
        self.client = client
    }

    /// Runs the client until ``stop()``, cancellation or the graceful shutdown of the calling service; returns at
    /// once (false) when it runs already or was stopped.
    @discardableResult
    func run() async -> Bool {
        let claimed = state.withLockedValue { state in
            guard !state.started, !state.stopRequested else { return false }
            state.started = true
            return true
        }
        guard claimed else { return false }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.client.run() }
            group.addTask {
                for await _ in self.stopSignal.stream {}
            }
            await group.next()
            group.cancelAll()
        }
        let waiters = state.withLockedValue { state in
            state.finished = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
        return true
    }

    /// Stops the client and waits until its pool has closed every connection; nothing runs it afterwards.
    func stop() async {
        stopSignal.continuation.finish()
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLockedValue { state in
                state.stopRequested = true
                guard state.started, !state.finished else { return true }
                state.waiters.append(waiter)
                return false
            }
            if resumeNow { waiter.resume() }
        }
    }
}
