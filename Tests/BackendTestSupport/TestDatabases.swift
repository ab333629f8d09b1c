import BackendConfig
import BackendDatabase
import BackendJSON
import BackendKit
import BackendTesting
import Foundation
import Logging
import Testing

/// The engines every database test runs on (`@Test(arguments: Engine.allCases)`).
public enum Engine: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite
    case postgres

    /// The engine's name in test output.
    public var testDescription: String { rawValue }
}

/// Databases for tests: a file-backed SQLite database in a temporary folder, or a database of its own on the
/// PostgreSQL server `BACKEND_TEST_POSTGRES_URL` names (`scripts/with-postgres` starts one; CI always does). A test
/// that needs PostgreSQL fails, rather than skipping, when the variable is not set.
public enum TestDatabases {
    public static let logger: Logger = {
        var logger = Logger(label: "database-test")
        logger.logLevel = .error
        return logger
    }()

    /// The server's URL, or a recorded failure.
    public static func postgresURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["BACKEND_TEST_POSTGRES_URL"], !url.isEmpty else {
            throw TestSetupError(
                "BACKEND_TEST_POSTGRES_URL is not set: run the tests through scripts/with-postgres (scripts/test does)")
        }
        return url
    }

    /// A unique prefix, so tests running in parallel never share a database.
    public static func uniquePrefix() -> String {
        "t_" + UUID().uuidString.prefix(8).lowercased() + "_"
    }

    /// The `backend.database` section for `engine`: SQLite files in `directory`, or PostgreSQL databases named
    /// `<prefix><pluginId>`.
    public static func section(_ engine: Engine, directory: URL, prefix: String) throws -> JSONValue {
        switch engine {
        case .sqlite:
            return ["client": "better-sqlite3", "connection": ["directory": .string(directory.path)]]
        case .postgres:
            return ["client": "pg", "prefix": .string(prefix), "connection": .string(try postgresURL())]
        }
    }

    /// Runs `body` with a fresh database of `engine` for `pluginId`; removes it afterwards.
    public static func with<R>(
        _ engine: Engine, pluginId: String = "test",
        _ body: (PluginDatabase, _ config: Config) async throws -> R
    ) async throws -> R {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("db-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        return try await withPrefix(engine, dropping: [pluginId]) { prefix in
            let config = Config(["backend": ["database": try section(engine, directory: directory, prefix: prefix)]])
            let handle = PluginDatabase(
                settings: try DatabaseSettings.read(from: config, pluginId: pluginId), logger: logger)
            do {
                let result = try await body(handle, config)
                await handle.shutdown()
                return result
            } catch {
                await handle.shutdown()
                throw error
            }
        }
    }

    /// Runs `body` with a second handle on `database`'s database whose statements are bounded by `statementTimeout`;
    /// shuts the handle down afterwards, whether `body` passed or threw.
    public static func withBoundedHandle<R>(
        on database: PluginDatabase, statementTimeout: Duration, _ body: (PluginDatabase) async throws -> R
    ) async throws -> R {
        let bounded = PluginDatabase(
            settings: DatabaseSettings(
                pluginId: database.pluginId, client: database.settings.client, statementTimeout: statementTimeout),
            logger: logger)
        do {
            let result = try await body(bounded)
            await bounded.shutdown()
            return result
        } catch {
            await bounded.shutdown()
            throw error
        }
    }

    /// Runs `body` with a fresh ``uniquePrefix()`` and afterwards, whether it passed or threw, drops the PostgreSQL
    /// databases `<prefix><id>` of `pluginIds` (nothing on SQLite).
    public static func withPrefix<R>(
        _ engine: Engine, dropping pluginIds: [String], _ body: (String) async throws -> R
    ) async throws -> R {
        let prefix = uniquePrefix()
        do {
            let result = try await body(prefix)
            try await drop(engine, prefix: prefix, pluginIds: pluginIds)
            return result
        } catch {
            try? await drop(engine, prefix: prefix, pluginIds: pluginIds)
            throw error
        }
    }

    /// Drops the PostgreSQL databases a test created.
    public static func drop(_ engine: Engine, prefix: String, pluginIds: [String]) async throws {
        guard engine == .postgres else { return }
        try await BackendTesting.TestDatabases.withMaintenanceSession(serverURL: try postgresURL()) { db in
            for id in pluginIds {
                try await db.raw("DROP DATABASE IF EXISTS \(ident: prefix + id) WITH (FORCE)").run()
            }
        }
    }
}

/// The environment does not allow this test to run as written.
public struct TestSetupError: Error, CustomStringConvertible {
    /// What is wrong.
    public let description: String
    /// An error saying `description`.
    public init(_ description: String) { self.description = description }
}
