import BackendConfig
import BackendDatabase
import Testing

@Suite("backend.database settings")
struct DatabaseSettingsTests {
    private func settings(_ yaml: String, plugin: String = "catalog") throws -> DatabaseSettings {
        try DatabaseSettings.read(
            from: Config(ConfigLoader.parse(yaml: yaml), source: "app-config.yaml"), pluginId: plugin)
    }

    @Test func noSectionIsInMemorySQLitePerPlugin() throws {
        #expect(try settings("backend: {}").client == .sqlite(.memory))
    }

    @Test func sqliteForms() throws {
        #expect(
            try settings("backend: {database: {client: better-sqlite3, connection: ':memory:'}}").client
                == .sqlite(.memory))
        #expect(
            try settings("backend: {database: {client: sqlite3, connection: {directory: data}}}").client
                == .sqlite(.file(path: "data/catalog.sqlite")))
        #expect(
            try settings(
                "backend: {database: {client: sqlite3, connection: ':memory:', plugin: {catalog: {connection: {filename: c.db}}}}}"
            ).client == .sqlite(.file(path: "c.db")))
        // Relative to the config file that names it.
        let nested = try DatabaseSettings.read(
            from: Config(
                ConfigLoader.parse(yaml: "backend: {database: {client: sqlite3, connection: {directory: ./data}}}"),
                source: "deploy/app-config.yaml"),
            pluginId: "search")
        #expect(nested.client == .sqlite(.file(path: "deploy/data/search.sqlite")))
    }

    @Test func unsupportedClientNamesThePlugin() {
        #expect(
            throws: DatabaseConfigurationError(
                "Unsupported database client type 'mysql2' specified for plugin 'catalog'")
        ) {
            try settings("backend: {database: {client: mysql2, connection: x}}")
        }
        #expect(
            throws: DatabaseConfigurationError(
                "Unsupported database client type 'oracle' specified for plugin 'search'")
        ) {
            try settings(
                "backend: {database: {client: pg, connection: 'postgresql://u@h', plugin: {search: {client: oracle}}}}",
                plugin: "search")
        }
    }

    @Test func postgresURLAndObject() throws {
        guard
            case .postgres(let url) = try settings(
                "backend: {database: {client: pg, connection: 'postgresql://app:p%40ss@db.internal:6543/main'}}"
            ).client
        else { Issue.record("not pg"); return }
        #expect(url.host == "db.internal" && url.port == 6543 && url.user == "app" && url.password == "p@ss")
        #expect(url.database == "backstage_plugin_catalog" && url.maintenanceDatabase == "main" && url.schema == nil)

        guard
            case .postgres(let object) = try settings(
                """
                backend:
                  database:
                    client: pg
                    prefix: bs_
                    connection: {host: 127.0.0.1, port: 5433, user: u, password: pw, ssl: {rejectUnauthorized: false}}
                """
            ).client
        else { Issue.record("not pg"); return }
        #expect(
            object.database == "bs_catalog" && object.maintenanceDatabase == "postgres" && object.tls == .unverified)

        guard
            case .postgres(let schema) = try settings(
                "backend: {database: {client: pg, pluginDivisionMode: schema, connection: {host: h, user: u, database: shared}}}"
            ).client
        else { Issue.record("not pg"); return }
        #expect(schema.database == "shared" && schema.schema == "catalog")
    }

    @Test func badValuesNameTheKeyAndNeverThePassword() {
        #expect(
            throws: DatabaseConfigurationError(
                "Invalid PostgreSQL connection URL at 'backend.database.connection', expected "
                    + "postgresql://user:password@host:port[/database]")
        ) {
            try settings("backend: {database: {client: pg, connection: 'mysql://root:hunter2@h'}}")
        }
        #expect(
            throws: DatabaseConfigurationError(
                "Invalid pluginDivisionMode 'tables' in backend.database, expected 'database' or 'schema'")
        ) {
            try settings(
                "backend: {database: {client: pg, pluginDivisionMode: tables, connection: 'postgresql://u@h'}}")
        }
        #expect(throws: ConfigError("Missing required config value at 'backend.database.client'")) {
            try settings("backend: {database: {connection: ':memory:'}}")
        }
        #expect(
            throws: ConfigError(
                "Unable to convert config value for key 'backend.database.connection.port' in 'app-config.yaml' to a number"
            )
        ) {
            try settings("backend: {database: {client: pg, connection: {host: h, port: abc}}}")
        }
    }

    /// `statementTimeout`: 30 s by default, any duration form, `0` for none, and a malformed value names the key.
    @Test func statementTimeout() throws {
        #expect(try settings("backend: {}").statementTimeout == .seconds(30))
        #expect(try settings("backend: {database: {client: sqlite3}}").statementTimeout == .seconds(30))
        #expect(
            try settings("backend: {database: {client: sqlite3, statementTimeout: 5s}}").statementTimeout
                == .seconds(5))
        #expect(
            try settings("backend: {database: {client: pg, connection: 'postgresql://u@h', statementTimeout: 1500}}")
                .statementTimeout == .milliseconds(1500))
        #expect(try settings("backend: {database: {client: sqlite3, statementTimeout: 0}}").statementTimeout == nil)
        #expect(
            throws: ConfigError(
                "Invalid duration in config for key 'backend.database.statementTimeout' in 'app-config.yaml', wanted "
                    + "milliseconds, a string such as '30s', '5m' or 'PT1H', or an object such as {seconds: 30}")
        ) {
            try settings("backend: {database: {client: sqlite3, statementTimeout: soon}}")
        }
    }
}
