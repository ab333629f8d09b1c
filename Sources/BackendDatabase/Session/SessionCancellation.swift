import NIOConcurrencyHelpers
import NIOCore

/// What a session does when the task that started it is cancelled (a request whose client went away, a stopping
/// worker): the database stops what it is doing for that task, and nothing else.
///
/// - Still waiting for its connection (SQLite's turn, a pooled PostgreSQL connection): the session is abandoned, its
///   body never runs, and it fails with `CancellationError`.
/// - A statement running: it is stopped (SQLite interrupts it; PostgreSQL's server is asked to cancel it) and fails
///   with `CancellationError`, and so does every later statement of the session (a statement that had just ended
///   leaves the cancellation to the next one), so a transaction rolls back; the connection stays usable.
///   `COMMIT` and `ROLLBACK` are never stopped (see ``shielded(_:)``).
/// - Between statements: nothing. The body's own code runs on, as it always did, so a transaction that was not
///   waiting on the database still commits.
///
/// A session started by a task that was cancelled already is not affected at all: that is cleanup after a
/// cancellation (giving a lease back, marking a task failed), which must reach the database.
final class SessionCancellation: Sendable {
    /// How a running statement is stopped.
    struct Stop: Sendable {
        /// Completes once the stop has been delivered (or can no longer matter): the statement's result waits for it,
        /// so that a stop never reaches a later statement of the session.
        var delivered: EventLoopFuture<Void>?
        /// Called when the statement has ended, stopped or not.
        var ended: @Sendable () -> Void = {}
    }

    private struct State {
        var isConnected = false
        var isAbandoned = false
        /// Cancels the wait for a connection, set while it lasts.
        var onAbandon: (@Sendable () -> Void)?
        /// How to stop each running statement, by token.
        var running: [UInt64: @Sendable () -> Stop] = [:]
        /// The stops of statements that were stopped and have not ended yet.
        var stopped: [UInt64: Stop] = [:]
        /// A cancellation met a statement: every later statement fails at once.
        var isStopping = false
        var nextToken: UInt64 = 0
    }

    private let state = NIOLockedValueBox(State())
    /// Where the database counts the statements running under a cancellation.
    private let counts: NIOLockedValueBox<ConnectionCounts>

    /// The cancellation of one session of the database that counts in `counts`.
    init(counts: NIOLockedValueBox<ConnectionCounts>) {
        self.counts = counts
    }

    /// Set while a statement that ends a transaction runs: `COMMIT` and `ROLLBACK` are never stopped, so that a
    /// connection is never left inside a transaction.
    @TaskLocal static var isShielded = false

    /// Runs `body` with its statements out of reach of the session's cancellation.
    static func shielded<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await $isShielded.withValue(true) { try await body() }
    }

    /// The task was cancelled: abandons the session while it waits for its connection, or stops its running
    /// statements.
    func cancel() {
        state.withLockedValue { state in
            guard state.isConnected else {
                state.isAbandoned = true
                state.onAbandon?()
                state.onAbandon = nil
                return
            }
            // Stopping under the lock: a statement cannot end (and the session move on to the next) meanwhile.
            for (token, stop) in state.running {
                state.stopped[token] = stop()
                state.isStopping = true
            }
            state.running = [:]
        }
    }

    /// Sets what cancels the wait for a connection; calls it at once when the session was abandoned already.
    func whileConnecting(_ onAbandon: @escaping @Sendable () -> Void) {
        let abandonNow = state.withLockedValue { state in
            guard !state.isAbandoned else { return true }
            if !state.isConnected { state.onAbandon = onAbandon }
            return false
        }
        if abandonNow { onAbandon() }
    }

    /// The session has its connection; throws `CancellationError` when it was abandoned meanwhile.
    func connected() throws {
        let abandoned = state.withLockedValue { state in
            state.onAbandon = nil
            guard !state.isAbandoned else { return true }
            state.isConnected = true
            return false
        }
        if abandoned { throw CancellationError() }
    }

    /// A statement starts, to be stopped by `stop` if the task is cancelled before ``statementEnded(_:)``; nil when
    /// the session is being stopped, and the statement must fail at once.
    func statementStarted(stop: @escaping @Sendable () -> Stop) -> UInt64? {
        let token = state.withLockedValue { state -> UInt64? in
            guard !state.isStopping else { return nil }
            state.nextToken += 1
            state.running[state.nextToken] = stop
            return state.nextToken
        }
        if token != nil { counts.withLockedValue { $0.stoppableStatements += 1 } }
        return token
    }

    /// The statement of `token` ended: its stop, when it was stopped.
    func statementEnded(_ token: UInt64) -> Stop? {
        let stop = state.withLockedValue { state in
            state.running[token] = nil
            return state.stopped.removeValue(forKey: token)
        }
        counts.withLockedValue { $0.stoppableStatements -= 1 }
        stop?.ended()
        return stop
    }
}
