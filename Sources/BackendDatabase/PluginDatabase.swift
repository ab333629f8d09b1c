@preconcurrency import AsyncKit
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import PostgresKit
import PostgresNIO
import SQLKit
import SQLiteKit
import SQLiteNIO

/// One plugin's database: embedded SQLite or PostgreSQL, reached through SQLKit's dialect-aware query builder.
///
/// The connection is opened on first use (``withSession(_:)``, ``transaction(_:)`` or ``migrate(_:)``), with a
/// bounded number of attempts, so a database that cannot be reached fails that call with a
/// ``DatabaseConnectionError`` naming the plugin, host and port instead of hanging.
///
/// Once open, a session that finds the database gone (PostgreSQL stopped or restarting, a broken connection, an
/// SQLite file locked past the busy timeout) fails with ``DatabaseUnavailableError``, and the next session tries
/// again: recovery needs no restart. The log says so once per outage, at error level
/// (`Database for plugin catalog is unreachable at 127.0.0.1:5432: connection refused`), and once when a session
/// succeeds again, at info level (`Database for plugin catalog is reachable again`).
///
/// ```swift
/// try await env.database.migrate([
///     DatabaseMigration(id: "20261201_notes") { db in
///         try await db.create(table: "notes").column("id", type: .text, .primaryKey(autoIncrement: false))
///             .column("body", type: .text, .notNull).run()
///     }
/// ])
/// try await env.database.withSession { db in
///     try await db.insert(into: "notes").columns("id", "body").values(SQLBind("1"), SQLBind("hi")).run()
/// }
/// ```
public final class PluginDatabase: Sendable {
    /// The plugin this database belongs to.
    public let pluginId: String
    /// Where it lives.
    public let settings: DatabaseSettings
    private let logger: Logger
    private let state: ConnectionState
    private let counts = NIOLockedValueBox(ConnectionCounts())
    private let availability = NIOLockedValueBox(Availability())

    /// How many times connecting is tried before giving up, and the pause before each retry.
    static let connectAttempts = 3
    static let retryDelay: Duration = .milliseconds(300)
    /// How long one connection attempt may take.
    public static let connectTimeout: TimeAmount = .seconds(5)

    /// A database for `settings`; nothing is opened until first use.
    public init(settings: DatabaseSettings, logger: Logger) {
        self.pluginId = settings.pluginId
        self.settings = settings
        self.logger = logger
        self.state = ConnectionState()
    }

    /// The engine the plugin's queries run on, for the few statements that differ between engines.
    public var dialect: Dialect { settings.client.dialect }

    /// `sqlite` or `postgresql`: the name of ``dialect``. Compare ``dialect`` instead.
    public var dialectName: String { dialect.name }

    /// Where the database is, for messages: a file, `memory`, or `host:port/database`. Never a password.
    public var location: String {
        switch settings.client {
        case .sqlite(.memory): "SQLite in memory"
        case .sqlite(.file(let path)): "SQLite file \(path)"
        case .postgres(let target):
            "PostgreSQL \(target.address)/\(target.database)" + (target.schema.map { " schema \($0)" } ?? "")
        }
    }

    /// Runs `body` with a database on which consecutive queries share one connection (one session). Sessions of
    /// an SQLite database run one at a time; PostgreSQL sessions each lease a pooled connection. A session that has
    /// started runs to its end even when the calling task is cancelled, on both engines.
    ///
    /// - Throws: ``DatabaseUnavailableError`` when the database cannot be reached or used now (see
    ///   ``isOutage(_:)``), ``DatabaseConnectionError`` when it could never be opened, or the error of `body`.
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
        switch backend {
        case .sqlite(let connection, let lock, let interrupter):
            let deadline = timeout.flatMap { timeout in
                interrupter.map { statementDeadline(timeout, action: .interrupt($0)) }
            }
            // Not interrupted by the caller's cancellation, as PostgresKit does not interrupt its sessions either: a
            // session runs to its end, so a transaction is never left half-finished on the connection.
            return try await lock.withLock {
                try await Self.uncancelled {
                    try await self.leased { try await body(Self.guarded(connection.sql(), by: deadline)) }
                }
            }
        case .postgres(let pool):
            // PostgresKit's `withSession`, on a pool whose source counts connections (see `CountingPostgresSource`).
            return try await pool.pool.withConnection(logger: poolLogger) { connection in
                let deadline = timeout.map { self.statementDeadline($0, action: .closeConnection(connection)) }
                return connection.eventLoop.makeFutureWithTask {
                    try await self.leased { try await body(Self.guarded(connection.sql(), by: deadline)) }
                }
            }.get()
        }
    }

    /// The deadline of this database's statements after `timeout`, stopped by `action`.
    private func statementDeadline(_ timeout: Duration, action: StatementDeadline.Action) -> StatementDeadline {
        StatementDeadline(timeout: timeout, pluginId: pluginId, address: address, action: action, logger: logger)
    }

    /// `db`, under `deadline` when there is one.
    private static func guarded(_ db: any SQLDatabase, by deadline: StatementDeadline?) -> any SQLDatabase {
        deadline.map { $0.guarding(db) } ?? db
    }

    /// Whether `error` says the database could not be reached or used, so that the same call may succeed once it is
    /// back: a ``DatabaseUnavailableError`` or ``DatabaseConnectionError``, on either engine. Background loops use it
    /// to wait quietly for the database (its outage is logged once, here) instead of reporting every attempt.
    public static func isOutage(_ error: any Error) -> Bool {
        error is DatabaseUnavailableError || error is DatabaseConnectionError
    }

    /// Where the database is for the outage line: `host:port` for PostgreSQL (the database name is in
    /// ``location``), the file for SQLite.
    private var address: String {
        switch settings.client {
        case .postgres(let target): target.address
        case .sqlite: location
        }
    }

    /// A session of `epoch` failed with `error`: returns what to throw, and logs the start of an outage once.
    ///
    /// An outage starts only on evidence from a session that began after the last change (a session that began
    /// before the database came back may still fail with the old connection's error), and so does a recovery.
    private func noteFailure(_ error: any Error, epoch: Int) -> any Error {
        let outage: DatabaseUnavailableError
        switch error {
        case let error as DatabaseUnavailableError:
            // Thrown by a statement whose client-side deadline closed its connection (see `StatementDeadline`).
            outage = error
        case let error as DatabaseConnectionError:
            outage = DatabaseUnavailableError(pluginId: pluginId, address: address, reason: error.reason)
        default:
            guard DatabaseUnavailableError.isDriverOutage(error) else { return error }
            outage = DatabaseUnavailableError(
                pluginId: pluginId, address: address, reason: DatabaseConnectionError.reason(error))
        }
        let began = availability.withLockedValue { state in
            guard !state.isUnreachable, state.epoch == epoch else { return false }
            state.isUnreachable = true
            state.epoch += 1
            return true
        }
        if began { logger.error("\(outage.description)") }
        // A database that could not be opened keeps its own error, whose message startup prints.
        return error is DatabaseConnectionError ? error : outage
    }

    /// A session of `epoch` succeeded: logs the end of an outage once.
    private func noteSuccess(epoch: Int) {
        let ended = availability.withLockedValue { state in
            guard state.isUnreachable, state.epoch == epoch else { return false }
            state.isUnreachable = false
            state.epoch += 1
            return true
        }
        if ended { logger.info("Database for plugin \(pluginId) is reachable again") }
    }

    /// True while an outage is being reported (between the two log lines).
    var isUnreachable: Bool { availability.withLockedValue { $0.isUnreachable } }

    /// The logger for AsyncKit's pool requests and the connections they open: AsyncKit logs every failed connection
    /// attempt at error level, once per request during an outage, which ``withSession(_:)`` reports once instead.
    private var poolLogger: Logger {
        var logger = self.logger
        logger.logLevel = .critical
        return logger
    }

    /// The connections this process holds open: in use by a session, or idle in the pool. For metrics; SQLite has one
    /// connection once opened.
    public var connectionUsage: ConnectionUsage {
        counts.withLockedValue { ConnectionUsage(inUse: $0.leased, idle: max(0, $0.open - $0.leased)) }
    }

    /// Runs `body` counted as a session that holds a connection.
    private func leased<R>(_ body: () async throws -> R) async rethrows -> R {
        counts.withLockedValue { $0.leased += 1 }
        defer { counts.withLockedValue { $0.leased -= 1 } }
        return try await body()
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    public func transaction<R: Sendable>(
        _ body: @escaping @Sendable (any SQLDatabase) async throws -> R
    )
        async throws -> R
    {
        let begin = beginStatement
        return try await withSession { db in try await Self.inTransaction(on: db, begin: begin, body) }
    }

    /// Runs `body` between `begin` and `COMMIT` on a session's `db`, rolling back when it throws. The one
    /// implementation of a transaction, for ``transaction(_:)`` and for migrations, which run several on one
    /// session while holding a lock.
    static func inTransaction<R: Sendable>(
        on db: any SQLDatabase, begin: String, _ body: @Sendable (any SQLDatabase) async throws -> R
    ) async throws -> R {
        try await db.raw(SQLQueryString(begin)).run()
        let result: R
        do {
            result = try await body(db)
        } catch {
            await finish("ROLLBACK", on: db)
            throw error
        }
        try await uncancelled { try await db.raw("COMMIT").run() }
        return result
    }

    /// Runs `body` in a transaction that no other process runs at the same time under the same `name`: on
    /// PostgreSQL it first takes the transaction-scoped advisory lock of `name` (waiting for another holder); on
    /// SQLite `BEGIN IMMEDIATE` already excludes every other writer.
    ///
    /// For work that replicas starting together would otherwise race on, such as upserting the same rows.
    public func exclusiveTransaction<R: Sendable>(
        named name: String, _ body: @escaping @Sendable (any SQLDatabase) async throws -> R
    ) async throws -> R {
        let key = Self.advisoryLockKey("\(pluginId):\(name)")
        let isPostgres = dialect == .postgresql
        return try await transaction { db in
            if isPostgres { try await db.raw("SELECT pg_advisory_xact_lock(\(bind: key))").run() }
            return try await body(db)
        }
    }

    /// A readable description of a database error for messages and logs. PostgresNIO's errors hide their details
    /// from `description` (so that they cannot leak data); this gives the server's message and SQLSTATE, or the
    /// connection failure, which never contain a password.
    public static func describe(_ error: any Error) -> String {
        DatabaseConnectionError.reason(error)
    }

    /// Ends a transaction even when the task was cancelled: a cancelled `ROLLBACK` would leave the connection inside
    /// the transaction, and every later `BEGIN` on it would fail.
    static func finish(_ statement: SQLQueryString, on db: any SQLDatabase) async {
        try? await uncancelled { try await db.raw(statement).run() }
    }

    /// Runs `body` in a task of its own, which does not inherit the caller's cancellation; the caller still waits.
    static func uncancelled<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await Task { try await body() }.value
    }

    /// `BEGIN IMMEDIATE` on SQLite takes the write lock at once, so two writers never deadlock on an upgrade.
    var beginStatement: String {
        switch settings.client {
        case .sqlite: "BEGIN IMMEDIATE"
        case .postgres: "BEGIN"
        }
    }

    /// Opens the connection now (startup uses it to fail early); later calls reuse it.
    public func connect() async throws {
        _ = try await connection()
    }

    /// Closes the connection or pool. Calls after this fail.
    public func shutdown() async {
        guard let backend = await state.close() else { return }
        switch backend {
        case .sqlite(let connection, _, let interrupter):
            interrupter?.invalidate()
            try? await connection.close()
            counts.withLockedValue { $0.open = 0 }
        case .postgres(let pool):
            try? await pool.pool.shutdownAsync()
        }
    }

    private func connection() async throws -> Backend {
        try await state.get { try await self.open() }
    }

    /// Opens the database, with ``connectAttempts`` tries.
    private func open() async throws -> Backend {
        var lastError: (any Error)?
        for attempt in 1...Self.connectAttempts {
            do {
                return try await openOnce()
            } catch let error as DatabaseConfigurationError {
                throw error
            } catch {
                lastError = error
                // During an outage already reported, a first use of the database retries quietly.
                logger.log(
                    level: isUnreachable ? .debug : .warning,
                    "Could not connect to the database (attempt \(attempt) of \(Self.connectAttempts)): \(DatabaseConnectionError.reason(error))"
                )
                if attempt < Self.connectAttempts { try await Task.sleep(for: Self.retryDelay * attempt) }
            }
        }
        throw DatabaseConnectionError(pluginId: pluginId, location: location, underlying: lastError)
    }

    private func openOnce() async throws -> Backend {
        switch settings.client {
        case .sqlite(let storage):
            let connection: SQLiteConnection
            switch storage {
            case .memory:
                connection = try await SQLiteConnection.open(storage: .memory, logger: logger)
            case .file(let path):
                let directory = (path as NSString).deletingLastPathComponent
                if !directory.isEmpty {
                    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                }
                connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
            }
            // Wait for another process's write lock instead of failing at once; keep writes durable.
            try await connection.sql().raw("PRAGMA busy_timeout = 5000").run()
            try await connection.sql().raw("PRAGMA synchronous = FULL").run()
            try await connection.sql().raw("PRAGMA foreign_keys = ON").run()
            counts.withLockedValue { $0.open = 1 }
            let interrupter = SQLiteInterrupter(connection)
            if interrupter == nil, settings.statementTimeout != nil {
                logger.warning(
                    "SQLite statements of plugin \(pluginId) run without a deadline (\(DatabaseSettings.statementTimeoutKey)): this SQLiteNIO version does not expose its connection handle"
                )
            }
            return .sqlite(connection, AsyncLock(), interrupter)
        case .postgres(let target):
            if target.ensureExists { try await ensureExists(target) }
            var configuration = try Self.configuration(target, database: target.database)
            if let schema = target.schema { configuration.searchPath = [schema] }
            if let timeout = settings.statementTimeout {
                // Every pooled connection starts with the server-side deadline (see `StatementDeadline`).
                configuration.coreConfiguration.options.additionalStartupParameters.append(
                    ("statement_timeout", "\(Self.milliseconds(timeout))"))
            }
            let pool = EventLoopGroupConnectionPool(
                source: CountingPostgresSource(
                    base: PostgresConnectionSource(sqlConfiguration: configuration), counts: counts),
                maxConnectionsPerEventLoop: 4,
                requestTimeout: .seconds(10),
                logger: logger,
                on: MultiThreadedEventLoopGroup.singleton
            )
            do {
                // A first query proves the server, credentials and database are right.
                _ = try await pool.withConnection(logger: poolLogger) { $0.sql().raw("SELECT 1").all() }.get()
            } catch {
                try? await pool.shutdownAsync()
                throw error
            }
            return .postgres(PostgresPool(pool: pool))
        }
    }

    /// Creates the plugin's database (database mode) or schema (schema mode) when it is missing. Two processes
    /// doing this at once are fine: the loser's "already exists" is ignored.
    private func ensureExists(_ target: DatabaseSettings.PostgresTarget) async throws {
        if let schema = target.schema {
            try await withMaintenanceConnection(target, database: target.database) { db in
                try await db.raw("CREATE SCHEMA IF NOT EXISTS \(ident: schema)").run()
            }
            return
        }
        try await withMaintenanceConnection(target, database: target.maintenanceDatabase) { db in
            let rows = try await db.raw("SELECT 1 FROM pg_database WHERE datname = \(bind: target.database)").all()
            guard rows.isEmpty else { return }
            do {
                try await db.raw("CREATE DATABASE \(ident: target.database)").run()
                self.logger.info("Created database \(target.database)")
            } catch let error as PSQLError
                where error.serverInfo?[.sqlState] == "42P04" || error.serverInfo?[.sqlState] == "23505"
            {
                // duplicate_database, or the unique violation a concurrent CREATE DATABASE can raise instead: another
                // process created it first.
            }
        }
    }

    private func withMaintenanceConnection(
        _ target: DatabaseSettings.PostgresTarget, database: String,
        _ body: @escaping @Sendable (any SQLDatabase) async throws -> Void
    ) async throws {
        let configuration = try Self.configuration(target, database: database)
        let connection = try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(),
            configuration: configuration.coreConfiguration,
            id: 0,
            logger: logger
        )
        do {
            try await body(connection.sql())
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }

    static func configuration(
        _ target: DatabaseSettings.PostgresTarget, database: String
    ) throws -> SQLPostgresConfiguration {
        let tls: PostgresConnection.Configuration.TLS
        switch target.tls {
        case .disabled:
            tls = .disable
        case .verified:
            tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .unverified:
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            tls = .require(try NIOSSLContext(configuration: configuration))
        }
        var result = SQLPostgresConfiguration(
            hostname: target.host, port: target.port, username: target.user, password: target.password,
            database: database, tls: tls)
        result.coreConfiguration.options.connectTimeout = connectTimeout
        return result
    }

    /// `duration` in whole milliseconds, at least 1 (PostgreSQL's `statement_timeout` unit; 0 would turn it off).
    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }

    /// An open database.
    enum Backend: Sendable {
        /// The connection, the lock that runs its sessions one at a time, and its statements' interrupter.
        case sqlite(SQLiteConnection, AsyncLock, SQLiteInterrupter?)
        case postgres(PostgresPool)
    }

    /// AsyncKit's connection pool synchronises itself (its per-event-loop pools run on their event loops, the group
    /// pool's state is behind a lock) but is not annotated `Sendable`; this wrapper says so in one place.
    final class PostgresPool: @unchecked Sendable {
        let pool: EventLoopGroupConnectionPool<CountingPostgresSource>

        init(pool: EventLoopGroupConnectionPool<CountingPostgresSource>) {
            self.pool = pool
        }
    }

    /// Whether an outage is being reported, and a count of the changes (see `noteFailure(_:epoch:)`).
    struct Availability: Sendable {
        var isUnreachable = false
        var epoch = 0
    }

    /// How many connections are open and how many a session holds.
    struct ConnectionCounts: Sendable {
        var open = 0
        var leased = 0
    }

    /// PostgresKit's connection source, counting the connections it opens until each closes: AsyncKit's pool does
    /// not say how many it holds.
    struct CountingPostgresSource: ConnectionPoolSource {
        let base: PostgresConnectionSource
        let counts: NIOLockedValueBox<ConnectionCounts>

        func makeConnection(logger: Logger, on eventLoop: any EventLoop) -> EventLoopFuture<PostgresConnection> {
            let counts = self.counts
            return base.makeConnection(logger: logger, on: eventLoop).map { connection in
                counts.withLockedValue { $0.open += 1 }
                connection.closeFuture.whenComplete { _ in counts.withLockedValue { $0.open -= 1 } }
                return connection
            }
        }
    }
}

/// A database's open connections, in use by a session or idle.
public struct ConnectionUsage: Sendable, Equatable {
    /// Connections a session holds.
    public var inUse: Int
    /// Open connections no session holds.
    public var idle: Int

    /// Creates a count.
    public init(inUse: Int, idle: Int) {
        self.inUse = inUse
        self.idle = idle
    }
}

/// Opens the backend once, shares it, and forgets a failed attempt so a later call tries again.
private actor ConnectionState {
    private var backend: PluginDatabase.Backend?
    private var opening: Task<PluginDatabase.Backend, any Error>?
    private var closed = false

    func get(
        _ open: @escaping @Sendable () async throws -> PluginDatabase.Backend
    ) async throws
        -> PluginDatabase.Backend
    {
        if closed { throw DatabaseClosedError() }
        if let backend { return backend }
        if let opening { return try await opening.value }
        let task = Task { try await open() }
        opening = task
        do {
            let opened = try await task.value
            backend = opened
            opening = nil
            return opened
        } catch {
            opening = nil
            throw error
        }
    }

    func close() -> PluginDatabase.Backend? {
        closed = true
        defer { backend = nil }
        return backend
    }
}

/// The database was used after ``PluginDatabase/shutdown()``.
struct DatabaseClosedError: Error, CustomStringConvertible {
    var description: String { "The database has been shut down" }
}
