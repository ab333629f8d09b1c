import BackendKit

/// Pages of catalog entities for one collation run.
protocol EntityPageSource: Sendable {
    /// Up to `limit` entities starting at `offset`, in the catalog's stable order.
    func page(offset: Int, limit: Int) async throws -> [CatalogEntitySummary]
}

/// Pages through the catalog's `GET /entities` with the service client.
struct ServiceEntityPageSource: EntityPageSource {
    /// The client used for this run.
    let client: ServiceClient
    /// `filter` values to pass on.
    let filters: [String]

    func page(offset: Int, limit: Int) async throws -> [CatalogEntitySummary] {
        let query = [("offset", String(offset)), ("limit", String(limit))] + filters.map { ("filter", $0) }
        return try await client.get([LenientEntity].self, plugin: "catalog", path: "/entities", query: query)
            .compactMap(\.entity)
    }
}
