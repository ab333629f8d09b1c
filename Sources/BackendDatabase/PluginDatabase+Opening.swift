import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import PostgresKit
import PostgresNIO
import SQLKit
import SQLiteKit
import SQLiteNIO

extension PluginDatabase {
    /// The open engine: opened on first use, shared afterwards.
    func connection() async throws -> Backend {
        try await state.get { try await self.open() }
    }

    /// An open database.
    enum Backend: Sendable {
        /// The connection, the lock that runs its sessions one at a time, and its statements' interrupter.
        case sqlite(SQLiteConnection, AsyncLock, SQLiteInterrupter?)
        /// The pool, whose server answered.
        case postgres(PostgresPool)
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
            return try await openSQLite(storage)
        case .postgres(let target):
            guard let pool else { preconditionFailure("a PostgreSQL database has a pool") }
            if target.ensureExists { try await ensureExists(target, endpoint: pool.endpoint) }
            // The server, the credentials and the database are right.
            try await pool.checkServer()
            return .postgres(pool)
        }
    }

    private func openSQLite(_ storage: DatabaseSettings.SQLiteStorage) async throws -> Backend {
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
        do {
            // Wait for another process's write lock instead of failing at once; keep writes durable.
            try await connection.sql().raw("PRAGMA busy_timeout = 5000").run()
            try await connection.sql().raw("PRAGMA synchronous = FULL").run()
            try await connection.sql().raw("PRAGMA foreign_keys = ON").run()
        } catch {
            // An SQLite connection that is not closed stops the process in its deinitializer.
            let closed: EventLoopFuture<Void> = connection.close()
            try? await closed.get()
            throw error
        }
        counts.withLockedValue { $0.open = 1 }
        let interrupter = SQLiteInterrupter(connection)
        if interrupter == nil, settings.statementTimeout != nil {
            logger.warning(
                "SQLite statements of plugin \(pluginId) run without a deadline (\(DatabaseSettings.statementTimeoutKey)): this SQLiteNIO version does not expose its connection handle"
            )
        }
        return .sqlite(connection, AsyncLock(), interrupter)
    }

    /// Creates the plugin's database (database mode) or schema (schema mode) when it is missing. Two processes
    /// doing this at once are fine: the loser's "already exists" is ignored.
    private func ensureExists(_ target: DatabaseSettings.PostgresTarget, endpoint: PostgresEndpoint) async throws {
        if let schema = target.schema {
            try await endpoint.withConnection(asSession: false, logger: logger) { connection in
                try await connection.sql().raw("CREATE SCHEMA IF NOT EXISTS \(ident: schema)").run()
            }
            return
        }
        try await endpoint.withConnection(database: target.maintenanceDatabase, asSession: false, logger: logger) {
            connection in
            let db = connection.sql()
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
}
