import BackendKit

/// Pages of catalog entities for one collation run.
protocol EntityPageSource: Sendable {
    /// Up to `limit` entities: the first page when `cursor` is nil, else the page `cursor` names; with the cursor of
    /// the page after it, nil on the last page.
    func page(cursor: String?, limit: Int) async throws -> (entities: [CatalogEntitySummary], nextCursor: String?)
}

/// Pages through the catalog's `GET /entities/by-query` with the service client: keyset pages, so an entity added or
/// removed during the run neither repeats nor hides another one.
struct ServiceEntityPageSource: EntityPageSource {
    /// The client used for this run.
    let client: ServiceClient
    /// `filter` values to pass on.
    let filters: [String]

    /// The body of `GET /entities/by-query`, read leniently per entity.
    private struct QueryResponse: Decodable, Sendable {
        struct PageInfo: Decodable, Sendable {
            let nextCursor: String?
        }
        let items: [LenientEntity]
        let pageInfo: PageInfo
    }

    func page(cursor: String?, limit: Int) async throws -> (entities: [CatalogEntitySummary], nextCursor: String?) {
        // A cursor carries the query, filter included; only the limit goes with it.
        var query = [("limit", String(limit))]
        if let cursor {
            query.append(("cursor", cursor))
        } else {
            query += filters.map { ("filter", $0) }
        }
        let response = try await client.get(
            QueryResponse.self, plugin: "catalog", path: "/entities/by-query", query: query)
        return (response.items.compactMap(\.entity), response.pageInfo.nextCursor)
    }
}
