import BackendKit
import Foundation

/// The sample search plugin, mounted at `/api/search`.
///
/// A catalog collator pages through the catalog's `GET /entities/by-query` with the service client after `search.collators.catalog.initialDelay` and then every
/// `search.collators.catalog.frequency`, into an in-memory index answering `GET /query`. A run
/// that fails (the catalog refuses the token, is down, …) is logged with its reason and the
/// previous index keeps serving. Every page of a run carries the same server token: the host's
/// service client asks the token manager for each call, and the managers hand out their cached
/// token (re-issued only after 10 minutes). Config:
///
/// ```yaml
/// search:
///   collators:
///     catalog:
///       initialDelay: { seconds: 3 }
///       frequency: { minutes: 10 }
/// ```
public struct SearchPlugin: BackendPlugin {
    /// `search`.
    public let id = "search"

    /// The document type of catalog entities: `software-catalog`.
    static let catalogType = "software-catalog"

    /// Creates the plugin.
    public init() {}

    /// Reads the settings, adds the routes and schedules the collator.
    public func register(_ routes: PluginRoutes, _ env: PluginEnvironment) async throws {
        let settings = try SearchSettings(config: env.config)
        let documents = DocumentStore(database: env.database)
        try await documents.migrate()
        let restored = try await documents.load()
        if !restored.isEmpty {
            env.logger.info("Restored \(restored.count) search documents from the database")
        }
        let store = IndexStore(restored: restored)
        let client = env.client
        let filters = settings.filters
        let indexer = CatalogIndexer(
            store: store, collator: CatalogCollator(pageSize: settings.pageSize),
            makeSource: { ServiceEntityPageSource(client: try await client.pinningCurrentToken(), filters: filters) },
            documents: documents, logger: env.logger)
        SearchRoutes(store: store, indexer: indexer).add(to: routes)
        try await routes.addOpenAPIDocument(from: .module, environment: env)
        routes.addRepeatingTask(
            name: "catalog-collator", initialDelay: settings.initialDelay, interval: settings.frequency
        ) {
            _ = try? await indexer.run(trigger: "schedule")
        }
    }
}
