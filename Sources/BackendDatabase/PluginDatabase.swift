import Logging
import NIOConcurrencyHelpers
import NIOCore
import SQLiteNIO
import ServiceLifecycle

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
/// PostgreSQL's connections come from postgres-nio's `PostgresClient`, whose pool works while its `run()` does: a
/// host runs it in its service group (``run()``, through ``DatabaseManager``); a database used on its own runs it
/// from its first use until ``shutdown()``.
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
public final class PluginDatabase: Service, Sendable {
    /// The plugin this database belongs to.
    public let pluginId: String
    /// Where it lives.
    public let settings: DatabaseSettings
    let logger: Logger
    /// The open engine, once opened.
    let state = ConnectionState()
    /// Open connections and the sessions holding one, for ``connectionUsage``.
    let counts = NIOLockedValueBox(ConnectionCounts())
    /// Whether an outage is being reported (see `noteFailure(_:epoch:)`).
    let availability = NIOLockedValueBox(Availability())
    /// PostgreSQL's pool, made with the database but connecting only when a session needs it; nil on SQLite.
    let pool: PostgresPool?

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
        switch settings.client {
        case .sqlite:
            self.pool = nil
        case .postgres(let target):
            self.pool = PostgresPool(
                endpoint: PostgresEndpoint(target: target, statementTimeout: settings.statementTimeout),
                counts: counts, logger: logger)
        }
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

    /// Where the database is for the outage line: `host:port` for PostgreSQL (the database name is in
    /// ``location``), the file for SQLite.
    var address: String {
        switch settings.client {
        case .postgres(let target): target.address
        case .sqlite: location
        }
    }

    /// Opens the connection now (startup uses it to fail early); later calls reuse it.
    public func connect() async throws {
        _ = try await connection()
    }

    /// Runs the database's background work in the calling task until graceful shutdown or cancellation, then closes
    /// the database: PostgreSQL's connection pool (`PostgresClient.run()`); SQLite has none and only waits.
    ///
    /// A host runs it in its service group through ``DatabaseManager``. A database that was used before this runs
    /// its pool already, from a task of its own, until this closes it.
    public func run() async throws {
        let ranPool = await pool?.run() ?? false
        if !ranPool { try? await gracefulShutdown() }
        await shutdown()
    }

    /// Closes the connection or pool, waiting until every connection has closed. Calls after this fail.
    public func shutdown() async {
        let backend = await state.close()
        if case .sqlite(let connection, let lock, let interrupter) = backend {
            // SQLite refuses to close while a statement runs, and SQLiteNIO stops the process when a connection it
            // could not close is deinitialized: stop the statement in progress (interrupting it every 100 ms, for
            // at most 5 s) and close once no session holds the connection.
            for _ in 0..<50 where await lock.isHeld {
                interrupter?.interrupt()
                try? await Task.sleep(for: .milliseconds(100))
            }
            for attempt in 1...3 {
                do {
                    // The future-returning close: the async one refuses to run in a cancelled task, and a host's
                    // databases close as its service group is cancelled.
                    let closed: EventLoopFuture<Void> = connection.close()
                    try await closed.get()
                    break
                } catch {
                    logger.warning("Could not close the SQLite database (attempt \(attempt) of 3): \(error)")
                    interrupter?.interrupt()
                    try? await Task.sleep(for: .milliseconds(200))
                }
            }
            interrupter?.invalidate()
            counts.withLockedValue { $0.open = 0 }
        }
        await pool?.shutdown()
    }
}
