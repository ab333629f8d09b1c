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
        var loader = settings.configLoader()
        try loader.load(settings.locations)
        for message in loader.skipped {
            env.logger.warning("\(message)")
        }
        let store = EntityStore(database: env.database)
        try await store.migrate()
        let locations = LocationStore(database: env.database)
        try await locations.recordConfigLocations(
            settings.locations.filter { $0.type == "file" }.map {
                (type: $0.type, target: PathUtilities.resolve($0.target, against: $0.baseDirectory))
            })
        try await store.replaceLocationEntities(loader.entities.map { ($0, loader.origin(of: $0)) })
        env.logger.info(
            "Loaded \(loader.entities.count) entities from \(loader.files.count) catalog file(s)",
            metadata: ["files": "\(loader.files.joined(separator: ", "))"])
        CatalogRoutes(store: store, locations: locations, settings: settings, logger: env.logger).add(to: routes)
        CatalogMetrics(store: store, metrics: env.metrics, logger: env.logger).collect()
        try await routes.addOpenAPIDocument(from: .module, environment: env)
    }
}
