import BackendKit
import Foundation

/// The sample software catalog, mounted at `/api/catalog`.
///
/// Entities kept in the plugin's database (``PluginEnvironment/database``), upserted at every startup from
/// `catalog.locations` (YAML files of one or
/// more Backstage entities) with Backstage's `GET /entities` filter semantics, lookups by name,
/// validated registration and deletion. Config:
///
/// ```yaml
/// catalog:
///   locations:
///     - type: file
///       target: Examples/catalog/entities.yaml   # relative to this config file's directory
///   fileLocationRoots: [Examples/catalog]         # where POST /locations may read
///   rules:
///     - allow: [Component, API, Location, System, Group, User, Template]
///   readonly: false
/// ```
public struct CatalogPlugin: BackendPlugin {
    /// `catalog`.
    public let id = "catalog"

    /// Creates the plugin.
    public init() {}

    /// Reads the locations, migrates the database, upserts the locations' entities (keeping their uids and every
    /// entity registered through the API) and adds the routes; an unreadable location is a startup error.
    public func register(_ routes: PluginRoutes, _ env: PluginEnvironment) async throws {
        let settings = try CatalogSettings(
            config: env.config, workingDirectory: FileManager.default.currentDirectoryPath)
        let store = EntityStore(database: env.database)
        // The tables are made while the files are read: one waits on the database, the other on the cores.
        async let migrated: Void = store.migrate()
        var loader = settings.configLoader()
        try loader.load(settings.locations)
        for message in loader.skipped {
            env.logger.warning("\(message)")
        }
        try await migrated
        let locations = LocationStore(database: env.database)
        try await locations.recordConfigLocations(
            settings.locations.filter { $0.type == "file" }.map {
                (type: $0.type, target: PathUtilities.resolve($0.target, against: $0.baseDirectory))
            })
        let entities = loader.entities.map { ($0, loader.origin(of: $0)) }
        try await store.replaceLocationEntities(entities)
        env.logger.info(
            "Loaded \(loader.entities.count) entities from \(loader.files.count) catalog file(s)",
            metadata: ["files": "\(loader.files.joined(separator: ", "))"])
        // Freeing what was read takes a quarter of a second for 100,000 entities (BENCHMARKS.md, "Bulk loads"), on
        // one core: readiness need not wait for it.
        Self.release((consume loader, consume entities))
        CatalogRoutes(store: store, locations: locations, settings: settings, logger: env.logger).add(to: routes)
        CatalogMetrics(store: store, metrics: env.metrics, logger: env.logger).collect()
        try await routes.addOpenAPIDocument(from: .module, environment: env)
    }

    /// Drops the last reference to `value` on a background task, so whatever freeing it costs happens there.
    private static func release(_ value: consuming some Sendable) {
        Task.detached(priority: .background) { [value = consume value] in _ = value }
    }
}
