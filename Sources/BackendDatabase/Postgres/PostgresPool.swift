import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PostgresNIO
import ServiceLifecycle

/// A plugin's pooled PostgreSQL connections: postgres-nio's `PostgresClient` (a ServiceLifecycle service that owns
/// its pool), and what the database layer needs on top of it.
///
/// - **Outages fail fast.** The client's pool waits, retrying with a growing pause (up to a minute), while the server
///   refuses connections, so a session would hang instead of failing. A pool that holds no open connection therefore
///   first checks that the server answers, on a connection of its own (concurrent sessions share one check, and a
///   check that passed in the last second counts): an outage fails with the driver's reason (`connection refused`).
/// - **Recovery at once.** A session that waits ``stuckAfter`` for a connection from a pool that holds none finds the
///   pool stuck in its pauses (it met the outage first): when the server answers, the client is replaced by a fresh
///   one, which connects at once; otherwise the session fails with the outage.
/// - **A bounded wait.** A session waits at most ``requestTimeout`` for a connection when all
///   ``maximumConnections`` are in use, then fails with ``ConnectionRequestTimeoutError`` (an outage).
/// - **Counted connections.** The client does not say how many connections it holds: each is counted from the first
///   session that leases it until it closes, and its server process id is kept, to cancel its statement
///   (``cancelStatement(of:)``).
///
/// Its clients work while ``run()`` runs: in a host's service group (through ``PluginDatabase/run()``), or else in a
/// detached task of its own from the first session on (detached, so that it does not inherit the graceful shutdown
/// of whatever service happened to use the database first).
final class PostgresPool: Sendable {
    /// Where the database is, and how to open connections of its own.
    let endpoint: PostgresEndpoint
    private let counts: NIOLockedValueBox<ConnectionCounts>
    /// The server process id of each open pooled connection.
    private let processIds = NIOLockedValueBox<[ObjectIdentifier: Int32]>([:])
    private let check = NIOLockedValueBox(ServerCheck())
    private let lifecycle = NIOLockedValueBox(Lifecycle())
    /// Each client to run: the first, then each replacement.
    private let clients = AsyncStream.makeStream(of: Client.self)
    /// For the driver: it logs each failed connection attempt, which the database reports once per outage instead.
    private let driverLogger: Logger

    /// Connections at most: four per event loop of the process's event loop group, as many as the pool this one
    /// replaced allowed.
    static let maximumConnections = 4 * System.coreCount
    /// How long a session waits for a connection when all are in use.
    static let requestTimeout: Duration = .seconds(10)
    /// How long a session waits for a connection from a pool that holds none before it checks the server.
    static let stuckAfter: TimeAmount = .seconds(1)
    /// How long a passed server check lets sessions go straight to an empty pool.
    static let checkValidity: Duration = .seconds(1)
    /// How long a statement whose cancellation was asked for may keep running before its connection is closed (a
    /// server that cannot cancel it: frozen, cut off, or refusing the cancelling connection).
    static let cancellationGrace: TimeAmount = .seconds(1)

    /// A pool for `endpoint`, counting its connections in `counts`; nothing connects until a session needs it.
    init(endpoint: PostgresEndpoint, counts: NIOLockedValueBox<ConnectionCounts>, logger: Logger) {
        var driverLogger = logger
        driverLogger.logLevel = .critical
        self.endpoint = endpoint
        self.counts = counts
        self.driverLogger = driverLogger
        let first = Client(id: 0, endpoint: endpoint, logger: driverLogger)
        lifecycle.withLockedValue { $0.current = first }
        clients.continuation.yield(first)
    }

    /// Runs the pool's clients until graceful shutdown, cancellation or ``shutdown()``; returns at once (false) when
    /// it runs already or was shut down.
    @discardableResult
    func run() async -> Bool {
        let claimed = lifecycle.withLockedValue { state in
            guard !state.started, !state.stopped else { return false }
            state.started = true
            return true
        }
        guard claimed else { return false }
        let clients = self.clients.stream
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for await client in clients {
                    group.addTask { await client.runner.run() }
                }
            }
        }
        let waiters = lifecycle.withLockedValue { state in
            state.finished = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
        return true
    }

    /// Stops the clients and waits until every connection has closed; nothing runs them afterwards.
    func shutdown() async {
        let current = lifecycle.withLockedValue { state in
            state.stopped = true
            return state.current
        }
        clients.continuation.finish()
        await current?.runner.stop()
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let resumeNow = lifecycle.withLockedValue { state in
                guard state.started, !state.finished else { return true }
                state.waiters.append(waiter)
                return false
            }
            if resumeNow { waiter.resume() }
        }
    }

    /// Checks now that the server answers, on a connection of its own with the session parameters: the server, the
    /// credentials and the database are right (startup uses it to fail early).
    func checkServer() async throws {
        let task = check.withLockedValue { state -> Task<Void, any Error> in
            if let running = state.running { return running }
            let endpoint = self.endpoint
            let logger = driverLogger
            let task = Task {
                try await endpoint.withConnection(asSession: true, logger: logger) { connection in
                    _ = try await connection.query("SELECT 1", logger: logger).collect()
                }
            }
            state.running = task
            return task
        }
        do {
            try await task.value
            check.withLockedValue { state in
                state.running = nil
                state.passed = .now
            }
        } catch {
            check.withLockedValue { $0.running = nil }
            throw error
        }
    }

    /// Runs `body` with a pooled connection: once the server has been checked when the pool is empty, after at most
    /// ``requestTimeout`` of waiting, and not at all when `session` is abandoned meanwhile.
    ///
    /// - Throws: the check's error, ``ConnectionRequestTimeoutError``, `CancellationError` for an abandoned session,
    ///   or `body`'s error.
    func withConnection<R: Sendable>(
        session: SessionCancellation?,
        _ body: @escaping @Sendable (PostgresConnection, _ processId: Int32) async throws -> R
    ) async throws -> R {
        startIfIdle()
        if isEmpty, !check.withLockedValue({ $0.isFresh }) {
            try await checkServer()
        }
        let deadline = NIODeadline.now() + TimeAmount(Self.requestTimeout)
        var watchesStuckPool = true
        var closedLeases = 0
        while true {
            guard let client = lifecycle.withLockedValue({ $0.current }) else { throw DatabaseClosedError() }
            do {
                return try await lease(
                    from: client, until: deadline, watchingStuckPool: watchesStuckPool, session: session, body)
            } catch is ClosedConnectionError where closedLeases < Self.maximumConnections {
                // The pool learns that a connection closed a moment after the connection does; the next lease takes
                // another, or finds the pool empty and checks the server (an outage then fails with its reason).
                closedLeases += 1
                if isEmpty, !check.withLockedValue({ $0.isFresh }) { try await checkServer() }
                await Task.yield()
            } catch is StuckPoolError {
                // The server answers (or this throws the outage): a fresh client connects at once. Once per session,
                // so that a server that is only slow to connect to is not given up on again and again.
                if !check.withLockedValue({ $0.isFresh }) { try await checkServer() }
                replace(client)
                watchesStuckPool = false
            }
        }
    }

    /// Whether the pool holds no open connection (so a session waits for a new one).
    private var isEmpty: Bool { counts.withLockedValue { $0.open == 0 } }

    /// Runs the pool in a detached task when nothing runs it yet.
    private func startIfIdle() {
        let idle = lifecycle.withLockedValue { !$0.started && !$0.stopped }
        guard idle else { return }
        Task.detached { await self.run() }
    }

    /// One wait for a connection of `client`, until `deadline`; when `watchingStuckPool`, throws ``StuckPoolError``
    /// once the pool holds no connection ``stuckAfter`` into the wait.
    private func lease<R: Sendable>(
        from client: Client, until deadline: NIODeadline, watchingStuckPool: Bool, session: SessionCancellation?,
        _ body: @escaping @Sendable (PostgresConnection, _ processId: Int32) async throws -> R
    ) async throws -> R {
        let lease = LeaseState()
        let task = Task {
            try await client.client.withConnection { connection in
                try lease.grant()
                // A connection the server has cut (a restart, a crash) may still be handed out.
                if connection.isClosed { throw ClosedConnectionError() }
                try session?.connected()
                let processId = try await self.register(connection)
                return try await body(connection, processId)
            }
        }
        session?.whileConnecting { if lease.end(as: .abandoned) { task.cancel() } }
        let eventLoop = MultiThreadedEventLoopGroup.singleton.any()
        let timeout = eventLoop.scheduleTask(deadline: deadline) {
            if lease.end(as: .expired) { task.cancel() }
        }
        let counts = self.counts
        let watchdog = eventLoop.scheduleTask(in: Self.stuckAfter) {
            if watchingStuckPool, counts.withLockedValue({ $0.open == 0 }), lease.end(as: .stuck) { task.cancel() }
        }
        defer {
            timeout.cancel()
            watchdog.cancel()
        }
        do {
            return try await task.value
        } catch {
            switch lease.outcome {
            case .expired: throw ConnectionRequestTimeoutError()
            case .abandoned: throw CancellationError()
            case .stuck: throw StuckPoolError()
            case .waiting, .granted: throw error
            }
        }
    }

    /// Replaces `client`, when it is still the current one, by a fresh client, and stops it.
    private func replace(_ client: Client) {
        let replaced = lifecycle.withLockedValue { state -> Bool in
            guard !state.stopped, state.current?.id == client.id else { return false }
            let fresh = Client(id: client.id + 1, endpoint: endpoint, logger: driverLogger)
            state.current = fresh
            clients.continuation.yield(fresh)
            return true
        }
        guard replaced else { return }
        Task { await client.runner.stop() }
    }

    /// The server process id of `connection`, asked once per connection, which is counted as open from then until
    /// it closes.
    private func register(_ connection: PostgresConnection) async throws -> Int32 {
        let key = ObjectIdentifier(connection)
        if let known = processIds.withLockedValue({ $0[key] }) { return known }
        var processId: Int32 = 0
        for try await id in try await connection.query("SELECT pg_backend_pid()", logger: driverLogger).decode(
            Int32.self)
        {
            processId = id
        }
        let counts = self.counts
        let processIds = self.processIds
        processIds.withLockedValue { $0[key] = processId }
        counts.withLockedValue { $0.open += 1 }
        connection.closeFuture.whenComplete { _ in
            processIds.withLockedValue { _ = $0.removeValue(forKey: key) }
            counts.withLockedValue { $0.open -= 1 }
        }
        return processId
    }

    /// Asks the server to cancel the statement running on the connection of `processId` (`pg_cancel_backend`, from
    /// a connection of its own, as PostgreSQL's own cancel request comes on a connection of its own). A cancellation
    /// that reaches the connection after its statement ended does nothing: the server ignores it between statements.
    func cancelStatement(of processId: Int32) async throws {
        try await endpoint.withConnection(asSession: false, logger: driverLogger) { connection in
            _ = try await connection.query("SELECT pg_cancel_backend(\(processId))", logger: driverLogger).collect()
        }
    }

    /// One `PostgresClient` and what runs it.
    private struct Client: Sendable {
        let id: Int
        let client: PostgresClient
        let runner: PostgresClientRunner

        init(id: Int, endpoint: PostgresEndpoint, logger: Logger) {
            self.id = id
            self.client = PostgresClient(
                configuration: endpoint.clientConfiguration(maximumConnections: PostgresPool.maximumConnections),
                eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
                backgroundLogger: logger)
            self.runner = PostgresClientRunner(client: client)
        }
    }

    /// Whether the clients run, and the current one.
    private struct Lifecycle {
        var current: Client?
        /// ``run()`` was called.
        var started = false
        /// ``run()`` returned.
        var finished = false
        /// ``shutdown()`` was called.
        var stopped = false
        /// Callers of ``shutdown()`` waiting for ``run()`` to return.
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    /// The shared server check: the one in flight, and when the last one passed.
    private struct ServerCheck {
        var running: Task<Void, any Error>?
        var passed: ContinuousClock.Instant?

        var isFresh: Bool { passed.map { ContinuousClock.now - $0 < PostgresPool.checkValidity } ?? false }
    }
}

/// A wait for a pooled connection ended because the pool held none a while into it (see
/// ``PostgresPool/stuckAfter``).
private struct StuckPoolError: Error {}

/// The pool handed out a connection that had closed already.
private struct ClosedConnectionError: Error {}

/// How one wait for a pooled connection ended: whichever of the lease, the timeout and the session's abandonment
/// comes first decides, under a lock, so that a connection granted at the deadline is never used by a session that
/// has already failed.
private final class LeaseState: Sendable {
    enum Outcome: Sendable {
        case waiting, granted, expired, abandoned, stuck
    }

    private let state = NIOLockedValueBox(Outcome.waiting)

    var outcome: Outcome { state.withLockedValue { $0 } }

    /// The connection arrived; throws when the wait already ended otherwise.
    func grant() throws {
        let granted = state.withLockedValue { outcome in
            guard outcome == .waiting else { return false }
            outcome = .granted
            return true
        }
        if !granted { throw CancellationError() }
    }

    /// Ends the wait as `ending` (the timeout passed, the session was abandoned, the pool is stuck); true when the
    /// wait was still on.
    func end(as ending: Outcome) -> Bool {
        state.withLockedValue { outcome in
            guard outcome == .waiting else { return false }
            outcome = ending
            return true
        }
    }
}

/// No pooled PostgreSQL connection became free within ``PostgresPool/requestTimeout``: every connection is in use by
/// other sessions. An outage for the caller (503), which may succeed once sessions end.
struct ConnectionRequestTimeoutError: Error, CustomStringConvertible {
    /// The reason in the outage line, as the pool before this one named it.
    var description: String { "connectionRequestTimeout" }
}
