import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PostgresKit
import PostgresNIO
import SQLKit
import SQLiteKit
import SQLiteNIO

extension PluginDatabase {
    /// Runs `body` with a database on which consecutive queries share one connection (one session). Sessions of
    /// an SQLite database run one at a time; PostgreSQL sessions each lease a pooled connection.
    ///
    /// Cancelling the calling task stops what the database is doing for it: a session still waiting for its
    /// connection is abandoned, and a statement running is stopped, both failing with `CancellationError`; the
    /// body's own code is not interrupted, and a session started by a task that was already cancelled runs in full
    /// (see ``SessionCancellation``).
    ///
    /// - Throws: ``DatabaseUnavailableError`` when the database cannot be reached or used now (see
    ///   ``isOutage(_:)``), ``DatabaseConnectionError`` when it could never be opened, ``DatabaseTimeoutError`` for a
    ///   statement past the deadline, `CancellationError`, or the error of `body`.
    public func withSession<R: Sendable>(
        _ body: @escaping @Sendable (any SQLDatabase) async throws -> R
    )
        async throws -> R
    {
        try await withSession(bounded: true, body)
    }

    /// ``withSession(_:)``, with each statement under ``DatabaseSettings/statementTimeout`` when `bounded`
    /// (migrations run without it: building an index may take long, and replicas wait for each other's migrations).
    func withSession<R: Sendable>(
        bounded: Bool, _ body: @escaping @Sendable (any SQLDatabase) async throws -> R
    )
        async throws -> R
    {
        let epoch = availability.withLockedValue { $0.epoch }
        let result: R
        do {
            result = try await session(bounded: bounded, body)
        } catch {
            throw noteFailure(error, epoch: epoch)
        }
        noteSuccess(epoch: epoch)
        return result
    }

    private func session<R: Sendable>(
        bounded: Bool, _ body: @escaping @Sendable (any SQLDatabase) async throws -> R
    ) async throws -> R {
        let backend = try await connection()
        let timeout = bounded ? settings.statementTimeout : nil
        // Cleanup after a cancellation (a task that is cancelled already) runs unaffected.
        guard !Task.isCancelled else {
            return try await session(on: backend, timeout: timeout, cancellation: nil, body)
        }
        let cancellation = SessionCancellation(counts: counts)
        return try await withTaskCancellationHandler {
            try await session(on: backend, timeout: timeout, cancellation: cancellation, body)
        } onCancel: {
            cancellation.cancel()
        }
    }

    private func session<R: Sendable>(
        on backend: Backend, timeout: Duration?, cancellation: SessionCancellation?,
        _ body: @escaping @Sendable (any SQLDatabase) async throws -> R
    ) async throws -> R {
        switch backend {
        case .sqlite(let connection, let lock, let interrupter):
            let deadline = timeout.flatMap { timeout in
                interrupter.map { statementDeadline(timeout, action: .interrupt($0)) }
            }
            let stop: @Sendable () -> SessionCancellation.Stop = {
                guard let interrupter else { return SessionCancellation.Stop() }
                interrupter.interrupt()
                // An interrupt that comes just before SQLite starts stepping the statement does nothing; repeated
                // until the statement ends, one soon lands.
                let repeated = MultiThreadedEventLoopGroup.singleton.any().scheduleRepeatedTask(
                    initialDelay: Self.interruptRepeat, delay: Self.interruptRepeat
                ) { _ in interrupter.interrupt() }
                return SessionCancellation.Stop(ended: { repeated.cancel() })
            }
            return try await lock.withLock {
                try cancellation?.connected()
                // The body runs in a task of its own, out of reach of the caller's cancellation: only its statements
                // are stopped (above), so that a transaction is never left half-finished on the one connection.
                return try await Self.uncancelled {
                    try await self.leased {
                        try await body(Self.statements(of: connection.sql(), deadline, cancellation, stop))
                    }
                }
            }
        case .postgres(let pool):
            return try await pool.withConnection(session: cancellation) { connection, processId in
                let deadline = timeout.map { self.statementDeadline($0, action: .closeConnection(connection)) }
                let stop = Self.stop(connection, processId: processId, pool: pool)
                return try await self.leased {
                    try await body(
                        Self.statements(of: CopyingDatabase(connection: connection), deadline, cancellation, stop))
                }
            }
        }
    }

    /// How often a stopped SQLite statement that still runs is interrupted again.
    static let interruptRepeat: TimeAmount = .milliseconds(20)

    /// `db` with each statement under `deadline` and stopped by `cancellation`, when there are.
    private static func statements(
        of db: any SQLDatabase, _ deadline: StatementDeadline?, _ cancellation: SessionCancellation?,
        _ stop: @escaping @Sendable () -> SessionCancellation.Stop
    ) -> any SQLDatabase {
        // Cancellation innermost: its `CancellationError` passes the deadline's translation, which would otherwise
        // take PostgreSQL's cancelled statement (57014) for one past the deadline.
        let cancellable = cancellation.map { CancellableDatabase(base: db, cancellation: $0, stop: stop) } ?? db
        return deadline.map { $0.guarding(cancellable) } ?? cancellable
    }

    /// Stops the statement running on a pooled PostgreSQL `connection`: the server is asked to cancel it, and the
    /// connection is closed when it still runs ``PostgresPool/cancellationGrace`` later (a server that cannot cancel
    /// it; the pool then drops the connection).
    private static func stop(
        _ connection: PostgresConnection, processId: Int32, pool: PostgresPool
    ) -> @Sendable () -> SessionCancellation.Stop {
        {
            let eventLoop = connection.eventLoop
            let fallback = eventLoop.scheduleTask(in: PostgresPool.cancellationGrace) {
                connection.close().whenComplete { _ in }
            }
            // Delivered once the server has the request, or once the connection is gone (nothing left to reach).
            let delivered = eventLoop.makePromise(of: Void.self)
            let pending = NIOLockedValueBox(true)
            let deliver: @Sendable () -> Void = {
                let first = pending.withLockedValue { state in
                    let wasPending = state
                    state = false
                    return wasPending
                }
                if first { delivered.succeed(()) }
            }
            Task {
                try? await pool.cancelStatement(of: processId)
                deliver()
            }
            connection.closeFuture.whenComplete { _ in deliver() }
            return SessionCancellation.Stop(delivered: delivered.futureResult, ended: { fallback.cancel() })
        }
    }

    /// The deadline of this database's statements after `timeout`, stopped by `action`.
    private func statementDeadline(_ timeout: Duration, action: StatementDeadline.Action) -> StatementDeadline {
        StatementDeadline(timeout: timeout, pluginId: pluginId, address: address, action: action, logger: logger)
    }

    /// Runs `body` in a task of its own, which does not inherit the caller's cancellation; the caller still waits.
    static func uncancelled<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await Task { try await body() }.value
    }
}
