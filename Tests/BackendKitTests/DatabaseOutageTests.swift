import BackendConfig
import BackendDatabase
import BackendRuntime
import BackendTestSupport
import BackendTesting
import Foundation
import NIOHTTP1
import Testing

@testable import BackendKit

/// Counts a scheduled task's runs and holds the first one until the test lets it end.
private actor HeldRuns {
    private(set) var runs = 0
    private var release: CheckedContinuation<Void, Never>?
    private var released = false

    /// A run: the first waits for ``letTheFirstRunEnd()``.
    func run() async {
        runs += 1
        guard runs == 1, !released else { return }
        await withCheckedContinuation { release = $0 }
    }

    func letTheFirstRunEnd() {
        released = true
        release?.resume()
        release = nil
    }
}

/// A plugin database that cannot be used answers `503 ServiceUnavailableError` naming the plugin, says why in the log
/// once per outage, and recovers by itself; readiness does not follow it.
@Suite("Database outages")
struct DatabaseOutageTests {
    static let message = "The notes plugin's database is unavailable; try again later"

    /// A plugin with one table and a route that writes to it.
    static let notes = TestPlugin("notes") { routes, env in
        try await env.database.migrate([
            DatabaseMigration(id: "20261201_notes") { db in
                try await db.create(table: "notes").column("id", type: .text, .primaryKey(autoIncrement: false)).run()
            }
        ])
        let database = env.database
        routes.post("/notes", access: .public) { _, _ -> Response in
            try await database.transaction { db in
                try await db.insert(into: "notes").columns("id").values(SQLBind(UUID().uuidString)).run()
            }
            return Response(status: .created)
        }
        routes.get("/outage", access: .public) { _, _ -> String in
            throw DatabaseUnavailableError(
                pluginId: "notes", address: "db-secret-host:5432", reason: "connection refused (password=hunter2)")
        }
    }

    /// The mapping does not depend on the engine: the outage error of any database is the same 503, and neither
    /// where the database is nor the driver's reason reaches the caller.
    @Test func anOutageIsA503NamingThePluginAndNothingElse() async throws {
        try await TestBackend(plugins: [Self.notes]).test { client in
            let response = try await client.get("/api/notes/outage")
            #expect(response.status == 503)
            #expect(response.headers[.retryAfter] == "5")
            #expect(
                response.text
                    == errorBody(name: "ServiceUnavailableError", message: Self.message, url: "/outage", status: 503))
        }
    }

    /// An SQLite file locked by another process past the busy timeout (5 s) is an outage: each write answers 503
    /// within 10 s, the log has one line saying why for both, readiness stays 200, and the first write after the
    /// lock is gone succeeds and logs that the database is back.
    @Test func aLockedSQLiteDatabaseIsAnOutageThatEnds() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("outage-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let yaml = "backend:\n  database:\n    client: better-sqlite3\n    connection: {directory: '\(directory.path)'}"
        let logs = TestLogs()
        try await TestHost.with(yaml: yaml, logs: logs, plugins: [Self.notes]) { host in
            let created = try await HTTP.send(.POST, "\(host.baseURL)/api/notes/notes")
            #expect(created.status == 201)

            // Another connection to the same file takes the exclusive lock and keeps it until told.
            let locker = PluginDatabase(
                settings: try DatabaseSettings.read(
                    from: Config(try ConfigLoader.parse(yaml: yaml)), pluginId: "notes"),
                logger: TestDatabases.logger)
            let (locked, lockedSignal) = AsyncStream.makeStream(of: Void.self)
            let (unlock, unlockSignal) = AsyncStream.makeStream(of: Void.self)
            let holder = Task {
                // Ends the wait below also when the lock cannot be taken (the test then fails instead of hanging).
                defer { lockedSignal.finish() }
                try await locker.withSession { db in
                    try await db.raw("BEGIN EXCLUSIVE").run()
                    lockedSignal.yield()
                    for await _ in unlock { break }
                    try await db.raw("ROLLBACK").run()
                }
            }
            defer {
                unlockSignal.finish()
                holder.cancel()
            }
            for await _ in locked { break }

            for _ in 0..<2 {
                let started = ContinuousClock.now
                let refused = try await HTTP.send(.POST, "\(host.baseURL)/api/notes/notes")
                let elapsed = ContinuousClock.now - started
                #expect(refused.status == 503)
                #expect(
                    refused.body
                        == errorBody(
                            name: "ServiceUnavailableError", message: Self.message, method: "POST", url: "/notes",
                            status: 503))
                #expect(elapsed < .seconds(10), "\(elapsed)")
                print("503 while the SQLite file was locked: \(elapsed)")
            }
            for path in ["/.backstage/health/v1/readiness", "/.backstage/health/v1/liveness", "/healthcheck"] {
                #expect(try await HTTP.send(.GET, "\(host.baseURL)\(path)").status == 200, "\(path)")
            }

            unlockSignal.yield()
            try await holder.value
            await locker.shutdown()
            #expect(try await HTTP.send(.POST, "\(host.baseURL)/api/notes/notes").status == 201)
        }
        let file = directory.appendingPathComponent("notes.sqlite").path
        let unreachable = logs.entries.filter {
            $0.message.description.hasPrefix("Database for plugin notes is unreachable")
        }
        #expect(
            unreachable.map(\.message.description) == [
                "Database for plugin notes is unreachable at SQLite file \(file): busy: database is locked"
            ])
        #expect(unreachable.map(\.level) == [.error])
        let back = logs.entries.filter { $0.message == "Database for plugin notes is reachable again" }
        #expect(back.map(\.level) == [.info])
    }

    /// A global task's run that ends while PostgreSQL is down gives its lease back once the server is back, so the
    /// next run comes on schedule rather than after the lease's timeout (an hour here); the worker's loop survives
    /// the outage without a warning per poll.
    @Test(.enabled(if: PrivatePostgres.isAvailable, "PostgreSQL server binaries (initdb, pg_ctl) are not installed"))
    func aScheduledRunEndingInAnOutageReleasesItsLeaseWhenTheDatabaseIsBack() async throws {
        try await PrivatePostgres.with { server in
            let logs = TestLogs()
            let config = Config(["backend": ["database": ["client": "pg", "connection": .string(server.url)]]])
            let database = PluginDatabase(
                settings: try DatabaseSettings.read(from: config, pluginId: "sched"), logger: logs.logger(level: .debug)
            )
            let scheduler = PluginScheduler(pluginId: "sched", database: database, logger: logs.logger(level: .debug))
            let runs = HeldRuns()
            do {
                try await scheduler.scheduleTask(id: "tick", frequency: .milliseconds(200), timeout: .seconds(3600)) {
                    await runs.run()
                }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { await scheduler.run() }
                    defer { group.cancelAll() }
                    #expect(await eventually { await runs.runs == 1 })
                    try await server.stop()
                    await runs.letTheFirstRunEnd()
                    // The release found the database gone (and the worker keeps polling).
                    #expect(
                        await eventually {
                            logs.entries.contains {
                                $0.message.description.hasPrefix("Task worker for 'tick' failed: Database for")
                            }
                        })
                    try await server.start()
                    #expect(await eventually { await runs.runs >= 2 }, "the lease was not given back")
                }
            } catch {
                await database.shutdown()
                throw error
            }
            await database.shutdown()
            let unreachable = logs.entries.filter {
                $0.message.description.hasPrefix("Database for plugin sched is unreachable")
            }
            #expect(
                unreachable.map(\.message.description) == [
                    "Database for plugin sched is unreachable at 127.0.0.1:\(server.port): connection refused"
                ])
            #expect(unreachable.map(\.level) == [.error])
            #expect(logs.entries.filter { $0.message == "Database for plugin sched is reachable again" }.count == 1)
            // Each failed poll is a debug line, not a warning: the database said it once.
            #expect(!logs.entries.contains { $0.level >= .warning && $0.message.description.hasPrefix("Task worker") })
        }
    }
}
