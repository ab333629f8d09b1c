import Foundation

/// The database engine a test host gives its plugins: each test gets fresh databases on it, dropped when the test
/// ends, whether it passed or failed.
///
/// SQLite runs in memory and needs nothing. PostgreSQL needs a server named by `BACKEND_TEST_POSTGRES_URL`
/// (`postgresql://user:password@host:port`); each test creates one database per plugin on it.
///
/// ```swift
/// @Test(arguments: TestDatabaseEngine.available)
/// func storesGreetings(engine: TestDatabaseEngine) async throws {
///     try await TestBackend(plugins: [HelloPlugin()]).test(engine: engine) { client in … }
/// }
/// ```
public enum TestDatabaseEngine: String, Sendable, CaseIterable, CustomStringConvertible {
    /// An in-memory SQLite database per plugin.
    case sqlite
    /// A database per plugin on the PostgreSQL server `BACKEND_TEST_POSTGRES_URL` names.
    case postgresql

    /// The variable that names the PostgreSQL server tests may use.
    public static let postgresURLVariable = "BACKEND_TEST_POSTGRES_URL"

    /// The engines this process can test on: SQLite always, PostgreSQL when `BACKEND_TEST_POSTGRES_URL` is set.
    public static var available: [TestDatabaseEngine] {
        postgresURL(in: ProcessInfo.processInfo.environment) == nil ? [.sqlite] : [.sqlite, .postgresql]
    }

    /// `sqlite` or `postgresql`.
    public var description: String { rawValue }

    /// The server URL in `environment`, or `nil` when the variable is absent or empty.
    static func postgresURL(in environment: [String: String]) -> String? {
        guard let url = environment[postgresURLVariable], !url.isEmpty else { return nil }
        return url
    }
}

/// A test asked for PostgreSQL, but no server is named.
public struct TestDatabaseUnavailableError: Error, CustomStringConvertible {
    /// What is missing and how to provide it.
    public var description: String {
        "This test runs on PostgreSQL, but \(TestDatabaseEngine.postgresURLVariable) is not set: run it under "
            + "a PostgreSQL server (for example scripts/with-postgres swift test), or on TestDatabaseEngine.available"
    }
}
