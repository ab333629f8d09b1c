import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import PostgresNIO
import SQLKit
import SQLiteNIO
import VaporCSQLite

/// The deadline of every statement of a session (`backend.database.statementTimeout`), and what happens when it
/// passes.
///
/// - PostgreSQL: each connection starts with `statement_timeout` set, so the server cancels a slow statement itself
///   (SQLSTATE 57014, answered as ``DatabaseTimeoutError``) and the connection stays usable. A server that is frozen
///   or cut off by the network cancels nothing, so the client keeps a deadline of its own,
///   ``clientMargin`` later: it closes the connection (the pool then drops it) and the statement fails with
///   ``DatabaseUnavailableError``, an outage.
/// - SQLite: the statement is interrupted (`sqlite3_interrupt`) at the deadline and fails with
///   ``DatabaseTimeoutError``; the connection stays usable.
struct StatementDeadline: Sendable {
    /// The configured deadline.
    let timeout: Duration
    /// The plugin, for errors and the log.
    let pluginId: String
    /// `host:port` or the file, for the outage error.
    let address: String
    /// What to do when a statement runs past the deadline.
    let action: Action
    /// Where a cancelled statement is logged (warning level).
    let logger: Logger

    /// How much later than `statement_timeout` the client gives up on a PostgreSQL server: time for the server's
    /// cancellation to arrive.
    static let clientMargin: Duration = .seconds(2)

    /// The engine's way to stop a statement.
    enum Action: Sendable {
        /// PostgreSQL: close the connection, which fails the statement at once.
        case closeConnection(PostgresConnection)
        /// SQLite: interrupt the running statement.
        case interrupt(SQLiteInterrupter)
    }

    /// When the client acts: the timeout itself on SQLite, ``clientMargin`` later on PostgreSQL.
    var clientDeadline: Duration {
        switch action {
        case .closeConnection: timeout + Self.clientMargin
        case .interrupt: timeout
        }
    }

    /// `db` with this deadline on each of its statements.
    func guarding(_ db: any SQLDatabase) -> any SQLDatabase {
        DeadlineDatabase(base: db, deadline: self)
    }

    /// Stops the statement that ran past the deadline.
    fileprivate func expire() {
        switch action {
        case .closeConnection(let connection):
            // The session fails with an outage, which ``PluginDatabase`` logs once.
            connection.close().whenComplete { _ in }
        case .interrupt(let interrupter):
            interrupter.interrupt()
        }
    }

    /// The error a statement that failed with `error` throws: ``DatabaseTimeoutError`` for a cancelled statement,
    /// ``DatabaseUnavailableError`` when the client's deadline closed the connection, else `error`.
    fileprivate func translate(_ error: any Error, expired: Bool) -> any Error {
        if Self.isCancelledStatement(error) {
            let timedOut = DatabaseTimeoutError(pluginId: pluginId, timeout: timeout)
            logger.warning("\(timedOut.description): the statement was cancelled")
            return timedOut
        }
        if expired, case .closeConnection = action {
            return DatabaseUnavailableError(
                pluginId: pluginId, address: address,
                reason: "no answer within \(DatabaseTimeoutError.format(clientDeadline)); the connection was closed")
        }
        return error
    }

    /// PostgreSQL's `query_canceled` (57014, what `statement_timeout` raises) or SQLite's interrupt.
    static func isCancelledStatement(_ error: any Error) -> Bool {
        switch error {
        case let error as PSQLError:
            error.code == .server && error.serverInfo?[.sqlState] == "57014"
        case let error as SQLiteError:
            error.reason == .interrupt
        default:
            false
        }
    }
}

/// A session's database whose statements each run under a ``StatementDeadline``; everything else is the base's.
private struct DeadlineDatabase: WrappingDatabase {
    let base: any SQLDatabase
    let deadline: StatementDeadline

    func execute(
        sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void
    )
        -> EventLoopFuture<Void>
    {
        let expired = NIOLockedValueBox(false)
        let deadline = self.deadline
        // The statement's result arrives on this event loop too, so a timer cancelled there never fires after it.
        let timer = base.eventLoop.scheduleTask(in: TimeAmount(deadline.clientDeadline)) {
            expired.withLockedValue { $0 = true }
            deadline.expire()
        }
        return base.execute(sql: query, onRow)
            .map { timer.cancel() }
            .flatMapErrorThrowing { error in
                timer.cancel()
                throw deadline.translate(error, expired: expired.withLockedValue { $0 })
            }
    }
}

/// Interrupts the statement running on one SQLite connection, from any thread (`sqlite3_interrupt` is made for
/// that), until ``invalidate()`` is called before the connection closes.
///
/// SQLiteNIO does not expose its `sqlite3` handle; this reads it from the connection's stored properties
/// (`handle.raw`) once, when the connection opens. A later SQLiteNIO that renames them yields no interrupter, and
/// ``PluginDatabase`` logs that SQLite statements run without a deadline.
final class SQLiteInterrupter: @unchecked Sendable {
    // `handle` is read and cleared only under `lock`, so it is never used after the connection closes.
    private let lock = NIOLock()
    private var handle: OpaquePointer?

    /// The interrupter of `connection`, or nil when its handle cannot be found.
    init?(_ connection: SQLiteConnection) {
        guard let handle = Mirror(reflecting: connection).descendant("handle", "raw") as? OpaquePointer else {
            return nil
        }
        self.handle = handle
    }

    /// Interrupts the statement running now; does nothing when none is.
    func interrupt() {
        lock.withLock {
            if let handle { sqlite_nio_sqlite3_interrupt(handle) }
        }
    }

    /// Stops interrupting: the connection is about to close.
    func invalidate() {
        lock.withLock { handle = nil }
    }
}
