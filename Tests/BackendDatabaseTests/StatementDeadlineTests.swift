import BackendConfig
import BackendDatabase
import BackendTestSupport
import Foundation
import SQLKit
import Testing

/// Migrations run without the statement deadline, and the sessions after them have it again.
@Suite("Statement deadlines and migrations")
struct StatementDeadlineTests {
    /// On PostgreSQL a migration may outlast `statementTimeout` (200 ms here); the connection it used is back under
    /// the deadline afterwards, so the same slow statement in a session is cancelled.
    @Test func migrationsAreNotBoundedButLaterSessionsAre() async throws {
        try await TestDatabases.with(.postgres) { database, _ in
            try await TestDatabases.withBoundedHandle(on: database, statementTimeout: .milliseconds(200)) { bounded in
                let applied = try await bounded.migrate([
                    DatabaseMigration(id: "20261201_slow") { db in try await db.raw("SELECT pg_sleep(0.5)").run() }
                ])
                #expect(applied == ["20261201_slow"])
                await #expect(
                    throws: DatabaseTimeoutError.self,
                    performing: {
                        try await bounded.withSession { db in try await db.raw("SELECT pg_sleep(0.5)").run() }
                    })
                let timeout = try await bounded.withSession { db in
                    try await db.raw("SHOW statement_timeout")
                        .first(decodingColumn: "statement_timeout", as: String.self)
                }
                #expect(timeout == "200ms")
            }
        }
    }

    /// The message names the deadline as configured and the key.
    @Test func theMessageNamesTheDeadlineAndTheKey() {
        let error = DatabaseTimeoutError(pluginId: "catalog", timeout: .seconds(30))
        #expect(
            error.description
                == "The catalog plugin's database did not answer within 30s (backend.database.statementTimeout)")
        #expect(DatabaseTimeoutError(pluginId: "c", timeout: .milliseconds(1500)).description.contains("within 1.5s"))
        #expect(DatabaseTimeoutError(pluginId: "c", timeout: .milliseconds(250)).description.contains("within 250ms"))
    }
}
