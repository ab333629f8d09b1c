import BackendConfig
import BackendDatabase
import BackendTestSupport
import Foundation
import SQLKit
import Testing

@Suite("Plugin databases on SQLite and PostgreSQL")
struct PluginDatabaseTests {
    static let notes = DatabaseMigration(id: "20261201_notes") { db in
        try await db.create(table: "notes")
            .column("id", type: .text, .primaryKey(autoIncrement: false))
            .column("body", type: .text, .notNull)
            .run()
    }

    static let notesTag = DatabaseMigration(id: "20261202_notes_tag") { db in
        try await db.alter(table: "notes").column("tag", type: .text).run()
    }

    struct Note: Codable, Equatable {
        let id: String
        let body: String
    }

    /// What `backend_database_connections` reports: nothing before the first use; a session's connection in use
    /// while it runs (two at once on PostgreSQL's pool, one at a time on SQLite's single connection); idle after.
    @Test(arguments: Engine.allCases)
    func connectionUsageCountsSessionsAndOpenConnections(_ engine: Engine) async throws {
        try await TestDatabases.with(engine) { database, _ in
            #expect(database.connectionUsage == ConnectionUsage(inUse: 0, idle: 0))
            let during = try await database.withSession { db in
                try await db.raw("SELECT 1").run()
                return database.connectionUsage
            }
            #expect(during.inUse == 1)
            let after = database.connectionUsage
            #expect(after.inUse == 0)
            // SQLite has its one connection; PostgreSQL's pool keeps the one the session used, idle.
            #expect(engine == .sqlite ? after.idle == 1 : after.idle >= 1, "\(after)")

            guard engine == .postgres else { return }
            // Two sessions that overlap hold two pooled connections; both are idle in the pool afterwards.
            let (leased, didLease) = AsyncStream.makeStream(of: Void.self)
            let (release, releasing) = AsyncStream.makeStream(of: Void.self)
            async let first: Void = database.withSession { db in
                try await db.raw("SELECT 1").run()
                didLease.yield()
                for await _ in release { break }
            }
            for await _ in leased { break }
            let second = try await database.withSession { db in
                try await db.raw("SELECT 1").run()
                return database.connectionUsage
            }
            releasing.yield()
            try await first
            #expect(second.inUse == 2, "\(second)")
            let idle = database.connectionUsage
            #expect(idle.inUse == 0 && idle.idle >= 2, "\(idle)")
        }
    }

    @Test(arguments: Engine.allCases)
    func migrationsRunOnceInOrderAndAreRecorded(_ engine: Engine) async throws {
        try await TestDatabases.with(engine) { database, _ in
            #expect(try await database.migrate([Self.notes]) == ["20261201_notes"])
            #expect(try await database.migrate([Self.notes, Self.notesTag]) == ["20261202_notes_tag"])
            #expect(try await database.migrate([Self.notes, Self.notesTag]) == [])
            let ids = try await database.withSession { db in
                try await db.select().column("id").from(PluginDatabase.migrationsTable).orderBy("id").all()
                    .map { try $0.decode(column: "id", as: String.self) }
            }
            #expect(ids == ["20261201_notes", "20261202_notes_tag"])
        }
    }

    @Test(arguments: Engine.allCases)
    func aFailedMigrationIsRolledBackAndNamed(_ engine: Engine) async throws {
        try await TestDatabases.with(engine) { database, _ in
            let broken = DatabaseMigration(id: "20261203_broken") { db in
                try await db.create(table: "half").column("id", type: .text).run()
                try await db.raw("THIS IS NOT SQL").run()
            }
            do {
                try await database.migrate([Self.notes, broken])
                Issue.record("a broken migration succeeded")
            } catch let error as MigrationError {
                #expect(error.migrationId == "20261203_broken")
                #expect("\(error)".hasPrefix("Migration '20261203_broken' of plugin 'test' failed: "))
            }
            // Nothing of the broken migration is left, and it is not recorded; the one before it is.
            let tables = try await database.withSession { db in
                try await db.select().column("id").from(PluginDatabase.migrationsTable).all().count
            }
            #expect(tables == 1)
            _ = try await database.withSession { db in
                await #expect(throws: (any Error).self) { try await db.select().column("id").from("half").all() }
            }
        }
    }

    @Test(arguments: Engine.allCases)
    func transactionsCommitOrRollBack(_ engine: Engine) async throws {
        try await TestDatabases.with(engine) { database, _ in
            try await database.migrate([Self.notes])
            try await database.transaction { db in
                try await db.insert(into: "notes").model(Note(id: "1", body: "kept")).run()
            }
            struct Boom: Error {}
            await #expect(throws: Boom.self) {
                try await database.transaction { db in
                    try await db.insert(into: "notes").model(Note(id: "2", body: "lost")).run()
                    throw Boom()
                }
            }
            let notes = try await database.withSession { db in
                try await db.select().columns("id", "body").from("notes").orderBy("id").all(decoding: Note.self)
            }
            #expect(notes == [Note(id: "1", body: "kept")])
        }
    }

    /// Cancelling the caller does not interrupt a transaction that has started: it commits, and the database stays
    /// usable. (A cancelled `ROLLBACK` once left SQLite's only connection inside a transaction, so every later
    /// `BEGIN` failed, and a timed-out scaffolder task could never be marked failed.)
    @Test(arguments: Engine.allCases)
    func cancellingTheCallerDoesNotBreakATransaction(_ engine: Engine) async throws {
        try await TestDatabases.with(engine) { database, _ in
            try await database.migrate([Self.notes])
            let started = AsyncStream.makeStream(of: Void.self)
            let task = Task {
                try await database.transaction { db in
                    try await db.insert(into: "notes").model(Note(id: "during", body: "kept")).run()
                    started.continuation.yield()
                    try await Task.sleep(for: .milliseconds(300))
                    try await db.insert(into: "notes").model(Note(id: "after-sleep", body: "kept")).run()
                }
            }
            for await _ in started.stream { break }
            task.cancel()
            try await task.value
            try await database.transaction { db in
                try await db.insert(into: "notes").model(Note(id: "next", body: "kept")).run()
            }
            let ids = try await database.withSession { db in
                try await db.select().column("id").from("notes").orderBy("id").all(
                    decodingColumn: "id", as: String.self)
            }
            #expect(ids == ["after-sleep", "during", "next"])
        }
    }

    /// Two processes' handles on one database run exclusive transactions of the same name one after the other: a
    /// read-then-insert that would collide when interleaved succeeds in both.
    @Test(arguments: Engine.allCases)
    func exclusiveTransactionsOfOneNameDoNotInterleave(_ engine: Engine) async throws {
        try await TestDatabases.with(engine) { first, config in
            try await first.migrate([Self.notes])
            let second = PluginDatabase(
                settings: try DatabaseSettings.read(from: config, pluginId: "test"), logger: TestDatabases.logger)
            @Sendable func next(_ database: PluginDatabase) async throws {
                try await database.exclusiveTransaction(named: "counter") { db in
                    let count = try await db.select().column("id").from("notes").all().count
                    try await Task.sleep(for: .milliseconds(200))
                    try await db.insert(into: "notes").model(Note(id: "n\(count)", body: "b")).run()
                }
            }
            async let a: Void = next(first)
            async let b: Void = next(second)
            _ = try await (a, b)
            let ids = try await first.withSession { db in
                try await db.select().column("id").from("notes").orderBy("id").all(
                    decodingColumn: "id", as: String.self)
            }
            #expect(ids == ["n0", "n1"])
            await second.shutdown()
        }
    }

    /// Concurrent sessions never see each other's half-finished transactions (SQLite runs them one at a time,
    /// PostgreSQL on separate connections).
    @Test(arguments: Engine.allCases)
    func concurrentTransactionsAllCommit(_ engine: Engine) async throws {
        try await TestDatabases.with(engine) { database, _ in
            try await database.migrate([Self.notes])
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<40 {
                    group.addTask {
                        try await database.transaction { db in
                            try await db.insert(into: "notes").model(Note(id: "n\(index)", body: "b")).run()
                        }
                    }
                }
                try await group.waitForAll()
            }
            let count = try await database.withSession { db in
                try await db.select().column("id").from("notes").all().count
            }
            #expect(count == 40)
        }
    }

    /// Two processes' worth of databases starting at once against one PostgreSQL database: both migrate, each
    /// migration runs exactly once, and neither fails with a lock error.
    @Test func simultaneousMigrationsOnPostgresWaitForEachOther() async throws {
        try await TestDatabases.with(.postgres) { first, config in
            let second = PluginDatabase(
                settings: try DatabaseSettings.read(from: config, pluginId: "test"), logger: TestDatabases.logger)
            defer { Task { await second.shutdown() } }
            let slow = DatabaseMigration(id: "20261201_slow") { db in
                try await db.raw("SELECT pg_sleep(0.5)").run()
                try await db.create(table: "slow").column("id", type: .text).run()
            }
            async let a = first.migrate([slow, Self.notes])
            async let b = second.migrate([slow, Self.notes])
            let (ranA, ranB) = try await (a, b)
            #expect((ranA + ranB).sorted() == ["20261201_notes", "20261201_slow"])
            await second.shutdown()
        }
    }

    @Test(arguments: Engine.allCases)
    func fileBackedDataSurvivesANewHandle(_ engine: Engine) async throws {
        try await TestDatabases.with(engine) { database, config in
            try await database.migrate([Self.notes])
            try await database.transaction { db in
                try await db.insert(into: "notes").model(Note(id: "1", body: "persisted")).run()
            }
            await database.shutdown()
            let reopened = PluginDatabase(
                settings: try DatabaseSettings.read(from: config, pluginId: "test"), logger: TestDatabases.logger)
            #expect(try await reopened.migrate([Self.notes]) == [])
            let notes = try await reopened.withSession { db in
                try await db.select().columns("id", "body").from("notes").all(decoding: Note.self)
            }
            #expect(notes == [Note(id: "1", body: "persisted")])
            await reopened.shutdown()
        }
    }

    /// `pluginDivisionMode: schema`: one database, a schema per plugin created on first use, each plugin's tables
    /// and migration records in its own schema.
    @Test func schemaDivisionKeepsPluginsApart() async throws {
        let url = try TestDatabases.postgresURL()
        try await TestDatabases.withPrefix(.postgres, dropping: ["shared"]) { prefix in
            let shared = prefix + "shared"
            let admin = PluginDatabase(
                settings: try DatabaseSettings.read(
                    from: Config([
                        "backend": [
                            "database": ["client": "pg", "prefix": .string(prefix), "connection": .string(url)]
                        ]
                    ]),
                    pluginId: "shared"),
                logger: TestDatabases.logger)
            try await admin.connect()  // creates <prefix>shared
            await admin.shutdown()
            let config = Config([
                "backend": [
                    "database": [
                        "client": "pg", "pluginDivisionMode": "schema", "connection": .string("\(url)/\(shared)"),
                    ]
                ]
            ])
            let catalog = PluginDatabase(
                settings: try DatabaseSettings.read(from: config, pluginId: "catalog"), logger: TestDatabases.logger)
            let search = PluginDatabase(
                settings: try DatabaseSettings.read(from: config, pluginId: "search"), logger: TestDatabases.logger)
            #expect(try await catalog.migrate([Self.notes]) == ["20261201_notes"])
            #expect(try await search.migrate([Self.notes]) == ["20261201_notes"])
            try await catalog.transaction { db in
                try await db.insert(into: "notes").model(Note(id: "1", body: "catalog's")).run()
            }
            let searchNotes = try await search.withSession { db in
                try await db.select().columns("id", "body").from("notes").all(decoding: Note.self)
            }
            #expect(searchNotes.isEmpty)
            let schemas = try await catalog.withSession { db in
                try await db.raw(
                    "SELECT schema_name FROM information_schema.schemata WHERE schema_name IN ('catalog', 'search') ORDER BY schema_name"
                )
                .all(decodingColumn: "schema_name", as: String.self)
            }
            #expect(schemas == ["catalog", "search"])
            await catalog.shutdown()
            await search.shutdown()
        }
    }

    @Test func ensureExistsFalseReportsTheMissingDatabase() async throws {
        let url = try TestDatabases.postgresURL()
        let database = PluginDatabase(
            settings: try DatabaseSettings.read(
                from: Config([
                    "backend": [
                        "database": [
                            "client": "pg", "prefix": .string(TestDatabases.uniquePrefix()), "ensureExists": false,
                            "connection": .string(url),
                        ]
                    ]
                ]), pluginId: "catalog"),
            logger: TestDatabases.logger)
        do {
            try await database.connect()
            Issue.record("connected to a database that does not exist")
        } catch let error as DatabaseConnectionError {
            #expect(error.reason.contains("does not exist"), "\(error)")
        }
    }

    @Test func unreachablePostgresFailsWithPluginHostAndPort() async throws {
        // Held bound (never listening) for the whole test: connecting is refused at once, and no server another test
        // starts meanwhile can take the port (then each attempt would wait for its connect timeout instead).
        let (port, socket) = try TestPorts.closedPort()
        defer { close(socket) }
        let settings = try DatabaseSettings.read(
            from: Config([
                "backend": [
                    "database": ["client": "pg", "connection": .string("postgresql://u:secret-pw@127.0.0.1:\(port)")]
                ]
            ]), pluginId: "catalog")
        let database = PluginDatabase(settings: settings, logger: TestDatabases.logger)
        let started = ContinuousClock.now
        do {
            try await database.connect()
            Issue.record("connected to a closed port")
        } catch let error as DatabaseConnectionError {
            let message = "\(error)"
            #expect(
                message.hasPrefix(
                    "Could not connect to the database of plugin 'catalog' (PostgreSQL 127.0.0.1:\(port)/"
                        + "backstage_plugin_catalog) after 3 attempts: "), "\(message)")
            #expect(!message.contains("secret-pw"))
        }
        // Bounded by the attempts' budget, 3 attempts of at most 5 s (PluginDatabase.connectTimeout) and 0.9 s of
        // pauses, with twice that for a busy machine: the full suite once took 23 s here while another test was
        // starting a private server.
        #expect(ContinuousClock.now - started < .seconds(32))
    }
}

/// Loopback ports for tests.
enum TestPorts {
    /// A port nothing listens on, and the socket that keeps it bound (not listening) until the caller closes it.
    static func closedPort() throws -> (port: Int, socket: Int32) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSetupError("socket() failed") }
        var handedOver = false
        defer { if !handedOver { close(fd) } }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw TestSetupError("bind() failed") }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw TestSetupError("getsockname() failed") }
        handedOver = true
        return (Int(UInt16(bigEndian: address.sin_port)), fd)
    }
}
