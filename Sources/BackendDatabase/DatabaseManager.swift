import BackendConfig
import Logging
import NIOConcurrencyHelpers

/// The databases of a backend's plugins (Backstage's `DatabaseManager`): one ``PluginDatabase`` per plugin, from
/// ``DatabaseSettings``, shut down together when the backend stops.
///
/// ```swift
/// let databases = DatabaseManager(config: config, logger: logger)
/// let catalog = try databases.database(for: "catalog")
/// ```
public final class DatabaseManager: Sendable {
    private let config: Config
    private let logger: Logger
    private let databases = LockedDatabases()

    /// A manager reading `backend.database` from `config`.
    public init(config: Config, logger: Logger) {
        self.config = config
        self.logger = logger
    }

    /// The database of `pluginId`, created on first request (not yet connected).
    ///
    /// - Throws: ``DatabaseConfigurationError`` or `ConfigError` when the plugin's settings are invalid.
    public func database(for pluginId: String) throws -> PluginDatabase {
        try databases.database(for: pluginId) {
            let settings = try DatabaseSettings.read(from: config, pluginId: pluginId)
            var pluginLogger = logger
            pluginLogger[metadataKey: "plugin"] = "\(pluginId)"
            return PluginDatabase(settings: settings, logger: pluginLogger)
        }
    }

    /// Every problem with the settings of `pluginIds`, one message each (for `backend config check`).
    public static func problems(in config: Config, pluginIds: [String]) -> [String] {
        pluginIds.compactMap { id in
            do {
                _ = try DatabaseSettings.read(from: config, pluginId: id)
                return nil
            } catch {
                return "\(error)"
            }
        }
    }

    /// Closes every database opened so far.
    public func shutdown() async {
        for database in databases.all() {
            await database.shutdown()
        }
    }
}

/// The databases created so far, by plugin id.
private final class LockedDatabases: Sendable {
    private let storage = NIOLockedValueBox<[String: PluginDatabase]>([:])

    func database(for pluginId: String, make: () throws -> PluginDatabase) throws -> PluginDatabase {
        try storage.withLockedValue { databases in
            if let existing = databases[pluginId] { return existing }
            let created = try make()
            databases[pluginId] = created
            return created
        }
    }

    func all() -> [PluginDatabase] {
        storage.withLockedValue { Array($0.values) }
    }
}
