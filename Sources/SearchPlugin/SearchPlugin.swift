import BackendKit
import Foundation

/// The sample search plugin, mounted at `/api/search`.
///
/// A catalog collator pages through the catalog's `GET /entities/by-query` with the service client on the schedule
/// `search.collators.catalog.schedule` (a global scheduled task: one replica per period), stores the documents in
/// the plugin's database and builds the in-memory index answering `GET /query`; every other replica loads the
/// stored set within a few seconds. A run
/// that fails (the catalog refuses the token, is down, …) is logged with its reason and the
/// previous index keeps serving. Every page of a run carries the same server token: the host's
/// service client asks the token manager for each call, and the managers hand out their cached
/// token (re-issued only after 10 minutes). Config:
///
/// ```yaml
/// search:
///   collators:
///     catalog:
///       schedule:
///         frequency: { minutes: 10 }
///         timeout: { minutes: 15 }
///         initialDelay: { seconds: 3 }
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
        if !restored.documents.isEmpty {
            env.logger.info("Restored \(restored.documents.count) search documents from the database")
        }
        let store = IndexStore(restored: restored.documents, generation: restored.generation)
        let client = env.client
        let filters = settings.filters
        let indexer = CatalogIndexer(
            store: store, collator: CatalogCollator(pageSize: settings.pageSize),
            makeSource: { ServiceEntityPageSource(client: try await client.pinningCurrentToken(), filters: filters) },
            documents: documents, logger: env.logger)
        SearchRoutes(store: store, indexer: indexer, termLimits: settings.termLimits).add(to: routes)
        try await routes.addOpenAPIDocument(from: .module, environment: env)
        try await env.scheduler.scheduleTask(id: "search-collator-catalog", schedule: settings.schedule) {
            _ = try? await indexer.run(trigger: "schedule")
        }
        // Another replica's run is in the database, not in this process's index: look for a newer set often.
        try await env.scheduler.scheduleTask(
            id: "search-index-sync",
            schedule: TaskSchedule(
                frequency: min(settings.schedule.frequency, .seconds(5)), timeout: .seconds(60), scope: .local)
        ) {
            try await indexer.syncFromDatabase()
        }
    }
}
