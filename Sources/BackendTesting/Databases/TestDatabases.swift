import BackendConfig
import BackendDatabase
import BackendJSON
import Foundation
import Logging
import SQLKit

/// The fresh databases of one test host: the `backend.database` section that points its plugins at them, and the
/// cleanup that drops them.
package struct TestDatabases: Sendable {
    /// The engine.
    let engine: TestDatabaseEngine
    /// The PostgreSQL server's URL; `nil` on SQLite.
    let postgresURL: String?
    /// Prefixes every PostgreSQL database name of this host: `<prefix><pluginId>`.
    let prefix: String

    /// Databases on `engine`; PostgreSQL needs `BACKEND_TEST_POSTGRES_URL` in `environment`.
    ///
    /// - Throws: ``TestDatabaseUnavailableError`` for PostgreSQL without a server.
    init(engine: TestDatabaseEngine, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.engine = engine
        // Unique per host, so tests running in parallel (and hosts of one topology) never share a database.
        self.prefix = "bt_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "") + "_"
        switch engine {
        case .sqlite:
            postgresURL = nil
        case .postgresql:
            guard let url = TestDatabaseEngine.postgresURL(in: environment) else {
                throw TestDatabaseUnavailableError()
            }
            postgresURL = url
        }
    }

    /// `backend.database`: in-memory SQLite, or PostgreSQL databases named `<prefix><pluginId>`.
    var section: JSONValue {
        guard let postgresURL else { return ["client": "better-sqlite3", "connection": ":memory:"] }
        return ["client": "pg", "prefix": .string(prefix), "connection": .string(postgresURL)]
    }

    /// Drops the PostgreSQL databases of `pluginIds` (nothing to do on SQLite, whose memory went with the host).
    func drop(pluginIds: [String]) async throws {
        guard let postgresURL else { return }
        try await Self.withMaintenanceSession(serverURL: postgresURL) { database in
            for id in pluginIds {
                try await database.raw("DROP DATABASE IF EXISTS \(ident: prefix + id) WITH (FORCE)").run()
            }
        }
    }

    /// Runs `body` on a connection to the maintenance database of the PostgreSQL server at `serverURL` (`postgres`
    /// unless the URL names one): plugin databases cannot be created, inspected in `pg_database` or dropped from a
    /// connection to themselves. The package's tests share it for their own databases.
    package static func withMaintenanceSession<Result: Sendable>(
        serverURL: String, _ body: @escaping @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        var target = try DatabaseSettings.parseURL(serverURL, key: TestDatabaseEngine.postgresURLVariable)
        target.database = target.maintenanceDatabase
        target.ensureExists = false
        let settings = DatabaseSettings(pluginId: "admin", client: .postgres(target))
        var logger = Logger(label: "backend-testing")
        logger.logLevel = .error
        let admin = PluginDatabase(settings: settings, logger: logger)
        do {
            let result = try await admin.withSession(body)
            await admin.shutdown()
            return result
        } catch {
            await admin.shutdown()
            throw error
        }
    }
}
