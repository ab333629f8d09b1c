import BackendConfig
import BackendDatabase
import BackendKit
import BackendRuntime
import BackendTestSupport
import Foundation
import NIOHTTP1
import Testing

/// The catalog's state in a real database, through the real `backend` process: file-backed SQLite and PostgreSQL.
@Suite("Durable plugin state")
struct DatabaseTests {
    /// A config with the catalog's example locations and `database` as `backend.database`.
    private static func config(database: String) -> String {
        """
        backend:
          listen: {host: 127.0.0.1, port: 0}
          database:
        \(database)
        catalog:
          rules: [{allow: [Component, API, Location, System, Group, User, Template]}]
          locations:
            - type: file
              target: \(Repository.root.path)/Examples/catalog/entities.yaml
            - type: file
              target: \(Repository.root.path)/Examples/catalog/templates.yaml
        search:
          collators:
            catalog: {initialDelay: 1h, frequency: 1h}
        """
    }

    private static func databaseSection(_ engine: Engine, directory: URL, prefix: String) throws -> String {
        switch engine {
        case .sqlite:
            return "    client: better-sqlite3\n    connection: {directory: \(directory.path)/data}"
        case .postgres:
            return "    client: pg\n    prefix: \(prefix)\n    connection: '\(try TestDatabases.postgresURL())'"
        }
    }

    private static func entity(named name: String) -> String {
        #"{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"\#(name)"},"#
            + #""spec":{"type":"service","owner":"team-a","lifecycle":"production"}}"#
    }

    /// A registration that got a 201 is there after SIGKILL and a restart, with the same uid; so are the location
    /// entities with the uids they had, a finished scaffolder task with its log, and the search index (the restarted
    /// process answers a query before any new collation).
    @Test(arguments: Engine.allCases)
    func acknowledgedWritesSurviveSIGKILL(_ engine: Engine) async throws {
        try await TestDatabases.withPrefix(engine, dropping: ["catalog", "scaffolder", "search"]) { prefix in
            try await TemporaryDirectory.with { dir in
                let file = try dir.write(
                    "app-config.yaml",
                    Self.config(database: try Self.databaseSection(engine, directory: dir.url, prefix: prefix)))
                let name = "durable-\(engine.rawValue)"
                var uids: [String: String] = [:]
                var taskId = ""
                var taskEvents = ""
                let backend = try BackendProcess(["run", "--config", file])
                do {
                    let port = try await backend.waitForListeningPort()
                    let created = try await HTTP.send(
                        .POST, "http://127.0.0.1:\(port)/api/catalog/entities", json: Self.entity(named: name))
                    #expect(created.status == 201, "\(created.body)")
                    uids[name] = (created.json["metadata"] as? [String: Any])?["uid"] as? String
                    let seeded = try await HTTP.send(
                        .GET, "http://127.0.0.1:\(port)/api/catalog/entities/by-name/component/default/payment-service")
                    uids["payment-service"] = (seeded.json["metadata"] as? [String: Any])?["uid"] as? String

                    let submitted = try await HTTP.send(
                        .POST, "http://127.0.0.1:\(port)/api/scaffolder/v2/tasks",
                        json:
                            #"{"templateRef":"template:default/create-component","values":{"name":"made-\#(engine.rawValue)","owner":"team-a"}}"#
                    )
                    #expect(submitted.status == 201, "\(submitted.body)")
                    taskId = try #require(submitted.json["id"] as? String)
                    var status = ""
                    for _ in 0..<100 where status != "completed" && status != "failed" {
                        try await Task.sleep(for: .milliseconds(100))
                        status =
                            try await HTTP.send(.GET, "http://127.0.0.1:\(port)/api/scaffolder/v2/tasks/\(taskId)")
                            .json["status"] as? String ?? ""
                    }
                    #expect(status == "completed")
                    taskEvents = try await HTTP.send(
                        .GET, "http://127.0.0.1:\(port)/api/scaffolder/v2/tasks/\(taskId)/events"
                    ).body

                    let refreshed = try await HTTP.send(
                        .POST, "http://127.0.0.1:\(port)/api/search/collators/catalog/refresh")
                    #expect(refreshed.status == 200, "\(refreshed.body)")
                    backend.send(SIGKILL)
                    _ = try await backend.wait(timeout: .seconds(10))
                } catch {
                    backend.stop()
                    throw error
                }
                #expect(uids.values.count == 2)

                try await BackendProcess.withServer(arguments: ["run", "--config", file]) { _, port in
                    for (entityName, uid) in uids {
                        let found = try await HTTP.send(
                            .GET,
                            "http://127.0.0.1:\(port)/api/catalog/entities/by-name/component/default/\(entityName)")
                        #expect(found.status == 200, "\(entityName): \(found.body)")
                        #expect((found.json["metadata"] as? [String: Any])?["uid"] as? String == uid)
                    }
                    let filtered = try await HTTP.send(
                        .GET, "http://127.0.0.1:\(port)/api/catalog/entities?filter=metadata.name=\(name)")
                    #expect(filtered.status == 200)
                    #expect(filtered.body.contains(name))

                    let task = try await HTTP.send(.GET, "http://127.0.0.1:\(port)/api/scaffolder/v2/tasks/\(taskId)")
                    #expect(task.status == 200)
                    #expect(task.json["status"] as? String == "completed")
                    let events = try await HTTP.send(
                        .GET, "http://127.0.0.1:\(port)/api/scaffolder/v2/tasks/\(taskId)/events")
                    #expect(events.body == taskEvents)
                    #expect(events.body.contains("completion"))

                    let search = try await HTTP.send(.GET, "http://127.0.0.1:\(port)/api/search/query?term=payment")
                    #expect(search.status == 200)
                    #expect(search.body.contains("payment-service"), "\(search.body)")
                }
            }
        }
    }

    /// Two processes started at once against one fresh PostgreSQL server both come up, and every plugin's
    /// migrations are recorded exactly once.
    @Test func twoProcessesStartingTogetherMigrateOnce() async throws {
        let plugins = ["catalog", "scaffolder", "search"]
        try await TestDatabases.withPrefix(.postgres, dropping: plugins) { prefix in
            try await TemporaryDirectory.with { dir in
                let file = try dir.write(
                    "app-config.yaml",
                    Self.config(database: try Self.databaseSection(.postgres, directory: dir.url, prefix: prefix)))
                let first = try BackendProcess(["run", "--config", file])
                let second = try BackendProcess(["run", "--config", file])
                defer {
                    first.stop()
                    second.stop()
                }
                let firstPort = try await first.waitForListeningPort()
                let secondPort = try await second.waitForListeningPort()
                for port in [firstPort, secondPort] {
                    let health = try await HTTP.send(.GET, "http://127.0.0.1:\(port)/healthcheck")
                    #expect(health.status == 200)
                }
                #expect(!first.stderr.contains("already") && !second.stderr.contains("already"))
                for plugin in plugins {
                    let database = PluginDatabase(
                        settings: DatabaseSettings(
                            pluginId: plugin,
                            client: try DatabaseSettings.read(
                                from: Config([
                                    "backend": [
                                        "database": [
                                            "client": "pg", "prefix": .string(prefix),
                                            "connection": .string(try TestDatabases.postgresURL()),
                                        ]
                                    ]
                                ]),
                                pluginId: plugin
                            ).client),
                        logger: TestDatabases.logger)
                    let ids = try await database.withSession { db in
                        try await db.select().column("id").from(PluginDatabase.migrationsTable).all(
                            decodingColumn: "id", as: String.self)
                    }
                    await database.shutdown()
                    #expect(!ids.isEmpty, "\(plugin)")
                    #expect(Set(ids).count == ids.count, "\(plugin): \(ids)")
                }
            }
        }
    }

    @Test func anUnreachableDatabaseFailsStartupNamingPluginHostAndPort() async throws {
        try await TemporaryDirectory.with { dir in
            let (port, socket) = try Loopback.refusingPort()
            defer { close(socket) }
            let file = try dir.write(
                "app-config.yaml",
                Self.config(database: "    client: pg\n    connection: 'postgresql://app:not-logged@127.0.0.1:\(port)'")
            )
            let started = ContinuousClock.now
            let result = try await BackendProcess.run(["run", "--config", file], timeout: .seconds(30))
            #expect(result.exitCode == 1)
            #expect(
                result.stderr.contains(
                    "Backend failed to start up: Plugin 'catalog' failed to start: Could not connect to the database of "
                        + "plugin 'catalog' (PostgreSQL 127.0.0.1:\(port)/backstage_plugin_catalog) after 3 attempts: "),
                "\(result.stderr)")
            #expect(!result.stderr.contains("not-logged"))
            // The server listens while plugins register (readiness says 503 meanwhile), but never becomes ready.
            #expect(!result.stderr.contains("Backend started"))
            // A hang guard: twice the attempts' budget (3 x 5 s connect timeout and the pauses between), as for the
            // in-process test of the same failure; a loaded machine took 20.2 s here.
            #expect(ContinuousClock.now - started < .seconds(32))
        }
    }

    @Test func badDatabaseSettingsAreNamedByConfigCheck() async throws {
        try await TemporaryDirectory.with { dir in
            let file = try dir.write(
                "app-config.yaml",
                """
                backend:
                  database:
                    client: mysql2
                    plugin:
                      search: {client: pg, connection: 'http://nope'}
                """)
            let result = try await BackendProcess.run(["config", "check", "--config", file])
            #expect(result.exitCode == 1)
            #expect(result.stderr.contains("Unsupported database client type 'mysql2' specified for plugin 'catalog'"))
            #expect(
                result.stderr.contains("Unsupported database client type 'mysql2' specified for plugin 'scaffolder'"))
            #expect(
                result.stderr.contains(
                    "Invalid PostgreSQL connection URL at 'backend.database.plugin.search.connection', expected "
                        + "postgresql://user:password@host:port[/database]"), "\(result.stderr)")
        }
    }
}
