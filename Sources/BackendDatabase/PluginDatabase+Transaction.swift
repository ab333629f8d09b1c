import SQLKit

extension PluginDatabase {
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
        try await uncancelled { try await SessionCancellation.shielded { try await db.raw("COMMIT").run() } }
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
        let dialect = self.dialect
        return try await transaction { db in
            switch dialect {
            case .postgresql: try await db.raw("SELECT pg_advisory_xact_lock(\(bind: key))").run()
            case .sqlite: break
            }
            return try await body(db)
        }
    }

    /// Ends a transaction even when the task was cancelled: a cancelled `ROLLBACK` would leave the connection inside
    /// the transaction, and every later `BEGIN` on it would fail.
    static func finish(_ statement: SQLQueryString, on db: any SQLDatabase) async {
        try? await uncancelled { try await SessionCancellation.shielded { try await db.raw(statement).run() } }
    }

    /// `BEGIN IMMEDIATE` on SQLite takes the write lock at once, so two writers never deadlock on an upgrade.
    var beginStatement: String {
        switch dialect {
        case .sqlite: "BEGIN IMMEDIATE"
        case .postgresql: "BEGIN"
        }
    }
}
