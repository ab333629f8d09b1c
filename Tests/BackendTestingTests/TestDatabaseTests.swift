import BackendDatabase
import BackendKit
import Foundation
import NIOConcurrencyHelpers
import Testing

@testable import BackendTesting

/// A plugin that counts rows of a table it creates: a fresh database starts at 0.
let counter = TestPlugin("counter") { routes, env in
    try await env.database.migrate([
        DatabaseMigration(id: "01_hits") { db in
            try await db.create(table: "hits").column("id", type: .bigint, .primaryKey(autoIncrement: true)).run()
        }
    ])
    routes.post("/hits") { _, _ in
        try await env.database.withSession { db in
            try await db.raw("INSERT INTO hits DEFAULT VALUES").run()
            let count = try await db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "hits")
                .from("hits").first(decodingColumn: "hits", as: Int.self)
            return String(count ?? -1)
        }
    }
}

@Suite struct TestDatabaseTests {
    @Test func everyTestStartsWithFreshDatabases() async throws {
        var engines: [TestDatabaseEngine] = []
        for _ in 0..<2 {
            try await TestBackend(plugins: [counter]).testOnEveryEngine { engine, client in
                engines.append(engine)
                #expect(try await client.post("/api/counter/hits", as: .backend).text == "1", "on \(engine)")
                #expect(try await client.post("/api/counter/hits", as: .backend).text == "2", "on \(engine)")
                let dialect = try client.environment(of: "counter").database.dialect
                #expect(dialect == (engine == .sqlite ? .sqlite : .postgresql))
            }
        }
        #expect(engines == TestDatabaseEngine.available + TestDatabaseEngine.available)
    }

    @Test func theAvailableEnginesFollowTheEnvironment() {
        let url = ProcessInfo.processInfo.environment["BACKEND_TEST_POSTGRES_URL"] ?? ""
        #expect(TestDatabaseEngine.available == (url.isEmpty ? [.sqlite] : [.sqlite, .postgresql]))
        #expect(TestDatabaseEngine.postgresURL(in: ["BACKEND_TEST_POSTGRES_URL": ""]) == nil)
        #expect(throws: TestDatabaseUnavailableError.self) {
            try TestDatabases(engine: .postgresql, environment: [:])
        }
        #expect(
            TestDatabaseUnavailableError().description
                == "This test runs on PostgreSQL, but BACKEND_TEST_POSTGRES_URL is not set: run it under a "
                + "PostgreSQL server (for example scripts/with-postgres swift test), or on TestDatabaseEngine.available"
        )
    }

    /// Whether the body passes or throws, the PostgreSQL databases it created are gone afterwards.
    @Test(arguments: [false, true])
    func postgresDatabasesAreDroppedPassOrFail(bodyThrows: Bool) async throws {
        struct Planned: Error {}
        let url = try #require(
            TestDatabaseEngine.postgresURL(in: ProcessInfo.processInfo.environment),
            "run under scripts/with-postgres")
        let name = NIOLockedValueBox<String?>(nil)
        do {
            try await TestBackend(plugins: [counter]).test(engine: .postgresql) { client in
                #expect(try await client.post("/api/counter/hits", as: .backend).text == "1")
                guard case .postgres(let target) = try client.environment(of: "counter").database.settings.client
                else { return }
                name.withLockedValue { $0 = target.database }
                if bodyThrows { throw Planned() }
            }
            #expect(!bodyThrows)
        } catch is Planned {
            #expect(bodyThrows)
        }
        let database = try #require(name.withLockedValue { $0 })
        #expect(database.hasPrefix("bt_") && database.hasSuffix("_counter"))
        #expect(try await Self.databaseExists(database, serverURL: url) == false)
    }

    /// Whether `pg_database` lists `name`.
    static func databaseExists(_ name: String, serverURL: String) async throws -> Bool {
        try await TestDatabases.withMaintenanceSession(serverURL: serverURL) { db in
            try await db.select().column("datname").from("pg_database").where("datname", .equal, name).first() != nil
        }
    }
}

@Suite struct TestDatabaseSettingsTests {
    /// The kit chooses where the databases are, but a config's `statementTimeout` is the test's to set; without
    /// one, the host's default holds.
    @Test(arguments: TestDatabaseEngine.allCases)
    func theConfigsStatementTimeoutIsKept(engine: TestDatabaseEngine) async throws {
        let config = """
            backend:
              database:
                client: pg
                connection: postgresql://nowhere.invalid/x
                statementTimeout: 250ms
            """
        try await TestBackend(plugins: [counter], config: config).test(engine: engine) { client in
            let settings = try client.environment(of: "counter").database.settings
            #expect(settings.statementTimeout == .milliseconds(250))
            #expect(try await client.post("/api/counter/hits", as: .backend).text == "1")
        }
        try await TestBackend(plugins: [counter]).test(engine: engine) { client in
            let settings = try client.environment(of: "counter").database.settings
            #expect(settings.statementTimeout == DatabaseSettings.defaultStatementTimeout)
        }
    }
}
