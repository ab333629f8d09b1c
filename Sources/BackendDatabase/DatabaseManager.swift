import BackendConfig
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// The databases of a backend's plugins (Backstage's `DatabaseManager`): one ``PluginDatabase`` per plugin, from
/// ``DatabaseSettings``, shut down together when the backend stops.
///
/// It is a ServiceLifecycle `Service`: a host adds it to its service group (first, so that it stops last, after
/// the plugins' background work), and ``run()`` runs every database's background work there, PostgreSQL's
/// connection pools, until graceful shutdown.
///
/// ```swift
/// let databases = DatabaseManager(config: config, logger: logger)
/// let catalog = try databases.database(for: "catalog")
/// let group = ServiceGroup(services: [databases, server], logger: logger)
/// ```
public final class DatabaseManager: Service, Sendable {
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

    /// Runs each database's ``PluginDatabase/run()`` (those created so far, and each created later) until graceful
    /// shutdown or cancellation, then closes them all.
    public func run() async throws {
        let (added, adding) = AsyncStream.makeStream(of: PluginDatabase.self)
        databases.subscribe(adding)
        await withDiscardingTaskGroup { group in
            group.addTask {
                // No database is added to the group once it shuts down.
                try? await gracefulShutdown()
                adding.finish()
            }
            for await database in added {
                group.addTask { try? await database.run() }
            }
        }
        await shutdown()
    }

    /// Closes every database opened so far.
    public func shutdown() async {
        for database in databases.all() {
            await database.shutdown()
        }
    }
}

/// The databases created so far, by plugin id, and who wants to hear of new ones.
private final class LockedDatabases: Sendable {
    private struct State {
        var databases: [String: PluginDatabase] = [:]
        var subscriber: AsyncStream<PluginDatabase>.Continuation?
    }

    private let storage = NIOLockedValueBox(State())

    func database(for pluginId: String, make: () throws -> PluginDatabase) throws -> PluginDatabase {
        try storage.withLockedValue { state in
            if let existing = state.databases[pluginId] { return existing }
            let created = try make()
            state.databases[pluginId] = created
            state.subscriber?.yield(created)
            return created
        }
    }

    /// Sends `subscriber` every database created so far, then each new one.
    func subscribe(_ subscriber: AsyncStream<PluginDatabase>.Continuation) {
        storage.withLockedValue { state in
            for database in state.databases.values { subscriber.yield(database) }
            state.subscriber = subscriber
        }
    }

    func all() -> [PluginDatabase] {
        storage.withLockedValue { Array($0.databases.values) }
    }
}
