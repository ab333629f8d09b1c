import BackendConfig
import BackendTestSupport
import Foundation
import SQLKit
import Testing

@testable import BackendDatabase

/// Cancelling the task that runs a session stops the statement it is waiting on (a request whose client went away
/// stops its query), long before the statement deadline, and leaves the database as usable as before.
@Suite("Cancelling a session's task")
struct StatementCancellationTests {
    static let notes = DatabaseMigration(id: "20261201_notes") { db in
        try await db.create(table: "notes").column("id", type: .text, .primaryKey(autoIncrement: false)).run()
    }

    /// A statement that runs until it is stopped: an unbounded recursive count on SQLite, a ten-minute sleep on
    /// PostgreSQL.
    static func endless(_ dialect: Dialect) -> SQLQueryString {
        switch dialect {
        case .sqlite: "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
        case .postgresql: "SELECT pg_sleep(600)"
        }
    }

    /// The endless statement of a transaction stops within about a second of its task's cancellation (the default
    /// 30 s statement deadline is far off), the task fails with `CancellationError`, the transaction's first write is
    /// rolled back, no connection stays in use, and the next sessions work on the same connections.
    @Test(arguments: Engine.allCases)
    func aRunningStatementStopsWhenItsTaskIsCancelled(_ engine: Engine) async throws {
        try await TestDatabases.with(engine) { database, _ in
            try await database.migrate([Self.notes])
            let endless = Self.endless(database.dialect)
            let (inserted, didInsert) = AsyncStream.makeStream(of: Void.self)
            let task = Task {
                try await database.transaction { db in
                    try await db.insert(into: "notes").columns("id").values(SQLBind("rolled-back")).run()
                    didInsert.yield()
                    try await db.raw(endless).run()
                }
            }
            for await _ in inserted { break }
            // The endless statement is the one running.
            #expect(await eventually { database.stoppableStatements == 1 })
            if engine == .postgres {
                // The statement has reached the server.
                #expect(try await eventually { try await Self.serverIsSleeping(besides: database) })
            }
            let open = database.connectionUsage
            let cancelled = ContinuousClock.now
            task.cancel()
            let result = await task.result
            let elapsed = ContinuousClock.now - cancelled
            #expect(throws: CancellationError.self) { try result.get() }
            #expect(elapsed < .seconds(2), "\(elapsed)")
            print("\(engine): a running statement stopped \(elapsed) after its task was cancelled")

            #expect(database.stoppableStatements == 0)
            #expect(database.connectionUsage.inUse == 0)
            let ids = try await database.withSession { db in
                try await db.select().column("id").from("notes").all(decodingColumn: "id", as: String.self)
            }
            #expect(ids.isEmpty, "the cancelled transaction's write is rolled back")
            try await database.transaction { db in
                try await db.insert(into: "notes").columns("id").values(SQLBind("next")).run()
            }
            let usage = database.connectionUsage
            #expect(usage.inUse == 0)
            // The server cancelled the statement itself: its connection was kept, not closed and replaced.
            #expect(usage.idle == open.inUse + open.idle, "\(usage), \(open) before the cancellation")
        }
    }

    /// A session begun by a task that is cancelled already is cleanup after a cancellation and runs in full, a
    /// statement and its transaction included.
    @Test(arguments: Engine.allCases)
    func aSessionOfAnAlreadyCancelledTaskRunsInFull(_ engine: Engine) async throws {
        try await TestDatabases.with(engine) { database, _ in
            try await database.migrate([Self.notes])
            let (cancelled, didCancel) = AsyncStream.makeStream(of: Void.self)
            let task = Task {
                for await _ in cancelled { break }
                try await database.transaction { db in
                    try await db.insert(into: "notes").columns("id").values(SQLBind("cleanup")).run()
                }
            }
            task.cancel()
            didCancel.yield()
            try await task.value
            let ids = try await database.withSession { db in
                try await db.select().column("id").from("notes").all(decodingColumn: "id", as: String.self)
            }
            #expect(ids == ["cleanup"])
        }
    }

    /// Whether the server runs `SELECT pg_sleep(600)` now on a connection other than the one this check uses.
    static func serverIsSleeping(besides database: PluginDatabase) async throws -> Bool {
        let count = try await database.withSession { db in
            try await db.raw(
                """
                SELECT count(*) AS n FROM pg_stat_activity
                WHERE state = 'active' AND query = 'SELECT pg_sleep(600)' AND pid <> pg_backend_pid()
                """
            ).first(decodingColumn: "n", as: Int.self)
        }
        return (count ?? 0) > 0
    }
}
