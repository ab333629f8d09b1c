import BackendConfig
import Foundation

/// Where one plugin's database lives, read from `backend.database` with Backstage's keys.
///
/// | key | meaning |
/// |---|---|
/// | `client` | `better-sqlite3` or `sqlite3` (embedded SQLite), `pg` (PostgreSQL) |
/// | `connection` | SQLite: `':memory:'`, a file name, `{directory: <dir>}` (`<dir>/<pluginId>.sqlite`) or `{filename: <file>}`; PostgreSQL: `postgresql://user:password@host:port[/db]` or `{host, port, user, password, database?, ssl?}` |
/// | `prefix` | PostgreSQL database name prefix, default `backstage_plugin_` |
/// | `pluginDivisionMode` | `database` (default; one database per plugin) or `schema` (one database, a schema per plugin) |
/// | `ensureExists` | create the plugin's database or schema when missing (default `true`) |
/// | `plugin.<pluginId>.*` | `client`, `connection` and `ensureExists` for one plugin |
/// | `statementTimeout` | the deadline of every statement, a duration (default `30s`; `0` turns it off) |
///
/// No `backend.database` at all gives every plugin its own in-memory SQLite database. Relative SQLite paths are
/// resolved against the directory of the config file that names them.
public struct DatabaseSettings: Sendable, Equatable {
    /// The database engine and where it is.
    public enum Client: Sendable, Equatable {
        /// Embedded SQLite.
        case sqlite(SQLiteStorage)
        /// A PostgreSQL server.
        case postgres(PostgresTarget)
    }

    /// Where an SQLite database is kept.
    public enum SQLiteStorage: Sendable, Equatable {
        /// In memory: gone when the process ends.
        case memory
        /// In a file (created when missing, with its directory).
        case file(path: String)
    }

    /// How to reach a plugin's PostgreSQL database.
    public struct PostgresTarget: Sendable, Equatable {
        /// Server host name or address.
        public var host: String
        /// Server port (default 5432).
        public var port: Int
        /// User name.
        public var user: String
        /// Password, if any.
        public var password: String?
        /// The plugin's database.
        public var database: String
        /// The database to connect to when creating ``database`` (the connection's own, default `postgres`).
        public var maintenanceDatabase: String
        /// The plugin's schema in `schema` division mode; `nil` in `database` mode.
        public var schema: String?
        /// Whether to use TLS, and whether to verify the server's certificate.
        public var tls: TLSMode
        /// Whether to create ``database`` (or ``schema``) when it is missing.
        public var ensureExists: Bool

        /// `host:port`, for messages.
        public var address: String { "\(host):\(port)" }
    }

    /// TLS towards PostgreSQL.
    public enum TLSMode: Sendable, Equatable {
        /// Plain TCP (`ssl` absent or `false`).
        case disabled
        /// TLS with certificate verification (`ssl: true`).
        case verified
        /// TLS without certificate verification (`ssl: {rejectUnauthorized: false}`).
        case unverified
    }

    /// The plugin these settings are for.
    public let pluginId: String
    /// The engine and location.
    public let client: Client
    /// How long one statement may run before it is cancelled (`backend.database.statementTimeout`); nil runs
    /// statements without a deadline.
    public let statementTimeout: Duration?

    /// The config key of the whole section.
    public static let configKey = "backend.database"

    /// The default PostgreSQL database name prefix.
    public static let defaultPrefix = "backstage_plugin_"

    /// The config key of ``statementTimeout``.
    public static let statementTimeoutKey = "\(configKey).statementTimeout"

    /// The default ``statementTimeout``: 30 seconds.
    public static let defaultStatementTimeout: Duration = .seconds(30)

    /// Creates settings directly (tests, code-built hosts).
    public init(pluginId: String, client: Client, statementTimeout: Duration? = defaultStatementTimeout) {
        self.pluginId = pluginId
        self.client = client
        self.statementTimeout = statementTimeout
    }

    /// Reads the settings of `pluginId` from `config`.
    ///
    /// - Throws: ``DatabaseConfigurationError`` (`Unsupported database client type '<c>' specified for plugin '<id>'`,
    ///   a malformed connection URL, an unknown division mode) or `ConfigError` for missing or mistyped keys.
    public static func read(from config: Config, pluginId: String) throws -> DatabaseSettings {
        guard let section = try config.getOptionalConfig(configKey) else {
            return DatabaseSettings(pluginId: pluginId, client: .sqlite(.memory))
        }
        let configured = try config.getOptionalDuration(statementTimeoutKey) ?? defaultStatementTimeout
        let statementTimeout = configured == .zero ? nil : configured
        let pluginSection = try section.getOptionalConfig("plugin.\(pluginId)")
        let clientName = try pluginSection?.getOptionalString("client") ?? section.getString("client")
        let pluginHasConnection = pluginSection?.has("connection") ?? false
        let connectionOwner = pluginHasConnection ? pluginSection : section
        let connectionKey = "connection"
        switch clientName {
        case "better-sqlite3", "sqlite3":
            let storage = try sqliteStorage(connectionOwner, key: connectionKey, pluginId: pluginId)
            return DatabaseSettings(
                pluginId: pluginId, client: .sqlite(storage), statementTimeout: statementTimeout)
        case "pg":
            guard let connectionOwner, connectionOwner.has(connectionKey) else {
                let owner = pluginSection.map { _ in "\(configKey).plugin.\(pluginId)" } ?? configKey
                throw ConfigError("Missing required config value at '\(owner).connection'")
            }
            let ensureExists =
                try pluginSection?.getOptionalBoolean("ensureExists") ?? section.getOptionalBoolean("ensureExists")
                ?? true
            let prefix = try section.getOptionalString("prefix") ?? defaultPrefix
            let mode = try section.getOptionalString("pluginDivisionMode") ?? "database"
            guard mode == "database" || mode == "schema" else {
                throw DatabaseConfigurationError(
                    "Invalid pluginDivisionMode '\(mode)' in \(configKey), expected 'database' or 'schema'")
            }
            var target = try postgresTarget(connectionOwner, key: connectionKey)
            target.ensureExists = ensureExists
            if mode == "schema" {
                target.schema = pluginId
                target.database = target.maintenanceDatabase
            } else if !pluginHasConnection || target.database.isEmpty {
                target.database = prefix + pluginId
            }
            return DatabaseSettings(
                pluginId: pluginId, client: .postgres(target), statementTimeout: statementTimeout)
        default:
            throw DatabaseConfigurationError(
                "Unsupported database client type '\(clientName)' specified for plugin '\(pluginId)'")
        }
    }

    private static func sqliteStorage(_ owner: Config?, key: String, pluginId: String) throws -> SQLiteStorage {
        guard let owner, owner.has(key) else { return .memory }
        let fullKey = owner.prefix.isEmpty ? key : "\(owner.prefix).\(key)"
        if case .string = owner.getOptional(key) {
            let text = try owner.getString(key)
            return text == ":memory:" ? .memory : .file(path: resolve(text, owner: owner, key: key))
        }
        let connection = try owner.getConfig(key)
        if let filename = try connection.getOptionalString("filename") {
            return filename == ":memory:"
                ? .memory : .file(path: resolve(filename, owner: connection, key: "filename"))
        }
        if let directory = try connection.getOptionalString("directory") {
            let resolved = resolve(directory, owner: connection, key: "directory")
            return .file(path: (resolved as NSString).appendingPathComponent("\(pluginId).sqlite"))
        }
        throw DatabaseConfigurationError(
            "Invalid SQLite connection at '\(fullKey)': expected ':memory:', a file name, {directory: <dir>} or "
                + "{filename: <file>}")
    }

    /// `path` relative to the directory of the config file the value at `key` came from.
    private static func resolve(_ path: String, owner: Config, key: String) -> String {
        guard !path.hasPrefix("/"), let source = owner.source(of: key)?.name, source != "env",
            !source.hasPrefix("<")
        else { return path }
        let directory = (source as NSString).deletingLastPathComponent
        let joined = directory.isEmpty ? path : (directory as NSString).appendingPathComponent(path)
        // `deploy/./data` → `deploy/data`: messages and file names read as the user would write them.
        let parts = joined.split(separator: "/", omittingEmptySubsequences: false).filter { $0 != "." }
        return parts.joined(separator: "/")
    }

    private static func postgresTarget(_ owner: Config, key: String) throws -> PostgresTarget {
        let fullKey = owner.prefix.isEmpty ? key : "\(owner.prefix).\(key)"
        if case .string = owner.getOptional(key) {
            return try parseURL(try owner.getString(key), key: fullKey)
        }
        let connection = try owner.getConfig(key)
        let port = try connection.getOptionalInt("port") ?? 5432
        guard (1...65535).contains(port) else {
            throw DatabaseConfigurationError("Invalid port \(port) at '\(fullKey).port', expected 1 to 65535")
        }
        let database = try connection.getOptionalString("database")
        return PostgresTarget(
            host: try connection.getOptionalString("host") ?? "localhost",
            port: port,
            user: try connection.getOptionalString("user") ?? "postgres",
            password: try connection.getOptionalString("password"),
            database: database ?? "",
            maintenanceDatabase: database ?? "postgres",
            schema: nil,
            tls: try tlsMode(connection, key: "\(fullKey).ssl"),
            ensureExists: true
        )
    }

    private static func tlsMode(_ connection: Config, key: String) throws -> TLSMode {
        switch connection.getOptional("ssl") {
        case nil, .bool(false)?: return .disabled
        case .bool(true)?: return .verified
        case .object?:
            let reject = try connection.getOptionalBoolean("ssl.rejectUnauthorized") ?? true
            return reject ? .verified : .unverified
        default:
            throw DatabaseConfigurationError(
                "Invalid value at '\(key)', expected true, false or {rejectUnauthorized: false}")
        }
    }

    /// Parses `postgresql://user:password@host:port[/db]` (also `postgres://`). The message of a malformed URL
    /// names the key and never repeats the URL, which may hold a password.
    package static func parseURL(_ text: String, key: String) throws -> PostgresTarget {
        let invalid = DatabaseConfigurationError(
            "Invalid PostgreSQL connection URL at '\(key)', expected postgresql://user:password@host:port[/database]")
        guard let components = URLComponents(string: text),
            components.scheme == "postgresql" || components.scheme == "postgres",
            let host = components.host, !host.isEmpty
        else { throw invalid }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw invalid }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let query = components.queryItems ?? []
        let sslMode = query.first { $0.name == "sslmode" || $0.name == "ssl" }?.value
        let tls: TLSMode
        switch sslMode {
        case nil, "disable", "false": tls = .disabled
        case "no-verify": tls = .unverified
        default: tls = .verified
        }
        return PostgresTarget(
            host: host,
            port: port,
            user: components.user?.removingPercentEncoding ?? components.user ?? "postgres",
            password: components.password?.removingPercentEncoding ?? components.password,
            database: path,
            maintenanceDatabase: path.isEmpty ? "postgres" : path,
            schema: nil,
            tls: tls,
            ensureExists: true
        )
    }
}

/// `backend.database` is not usable as written; the host refuses to start. The message names the key or the
/// plugin and never contains a password.
public struct DatabaseConfigurationError: MessageError {
    /// The user-facing message.
    public let message: String

    /// An error with `message`.
    public init(_ message: String) {
        self.message = message
    }
}
