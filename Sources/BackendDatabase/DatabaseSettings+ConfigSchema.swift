import BackendConfig

extension DatabaseSettings {
    /// The config keys of `backend.database`, the database service (Backstage's keys).
    public static let configSchema = ConfigSchema(
        [
            .init(
                configKey, type: .object,
                description: "Where each plugin keeps its state. Absent: an in-memory SQLite database per plugin.")
        ] + connectionKeys(configKey)
            + [
                .init(
                    "\(configKey).prefix", type: .string, default: .string(defaultPrefix),
                    description: "PostgreSQL: the prefix of each plugin's database name."),
                .init(
                    "\(configKey).pluginDivisionMode", type: .string, default: "database",
                    description: "PostgreSQL: `database` (a database per plugin) or `schema` (a schema per plugin)."),
                .init(
                    statementTimeoutKey, type: .duration, default: "30s",
                    description:
                        "The deadline of every statement: PostgreSQL's statement_timeout and a client-side deadline, "
                        + "an interrupt on SQLite. `0` turns it off."),
                .init("\(configKey).plugin", type: .object, description: "Settings for single plugins, by plugin id."),
            ] + connectionKeys("\(configKey).plugin.*"))

    /// `client`, `connection` (both forms) and `ensureExists` under `prefix`.
    private static func connectionKeys(_ prefix: String) -> [ConfigSchema.Key] {
        let connection = "\(prefix).connection"
        return [
            .init(
                "\(prefix).client", type: .string,
                description: "The engine: `better-sqlite3` or `sqlite3` (embedded SQLite), `pg` (PostgreSQL)."),
            .init(
                connection, type: [.string, .object],
                description:
                    "SQLite: `:memory:`, a file name, {directory} or {filename}. PostgreSQL: a "
                    + "postgresql://user:password@host:port[/database] URL or {host, port, user, password, database, ssl}."
            ),
            .init(
                "\(connection).directory", type: .string,
                description: "SQLite: a folder with a `<pluginId>.sqlite` per plugin, relative to the config file."),
            .init(
                "\(connection).filename", type: .string,
                description: "SQLite: the database file, relative to the config file."),
            .init("\(connection).host", type: .string, default: "localhost", description: "PostgreSQL: the host."),
            .init("\(connection).port", type: .integer, default: 5432, description: "PostgreSQL: the port."),
            .init("\(connection).user", type: .string, default: "postgres", description: "PostgreSQL: the user."),
            .init("\(connection).password", type: .string, description: "PostgreSQL: the password.", secret: true),
            .init(
                "\(connection).database", type: .string,
                description: "PostgreSQL: the database (`schema` mode) or the one connected to first."),
            .init(
                "\(connection).ssl", type: [.boolean, .object], default: false,
                description: "PostgreSQL: TLS (`true` verifies the server's certificate)."),
            .init(
                "\(connection).ssl.rejectUnauthorized", type: .boolean, default: true,
                description: "PostgreSQL: `false` uses TLS without checking the server's certificate."),
            .init(
                "\(prefix).ensureExists", type: .boolean, default: true,
                description: "Create the database or schema when it is missing."),
        ]
    }
}
