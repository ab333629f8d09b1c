import BackendKit

/// The search plugin's HTTP API under `/api/search` (every route requires a server token).
///
/// | route | does |
/// |---|---|
/// | `GET /query?term=…&types[0]=software-catalog&filters[kind]=…&pageLimit=…&pageCursor=…` | ranked results; 400 for a term over ``SearchTermLimits`` |
/// | `POST /collators/catalog/refresh` | runs the catalog collator now: `{type, documents}`, or 503 when it fails (the last index stays) |
/// | `GET /collators` | the collator's status: documents, runs, last run, last success, last error |
struct SearchRoutes: Sendable {
    /// The index.
    let store: IndexStore
    /// The catalog collator.
    let indexer: CatalogIndexer
    /// The bounds of a query's `term`.
    var termLimits: SearchTermLimits = .defaults

    /// Adds the routes.
    func add(to routes: PluginRoutes) {
        routes.get("/query") { request, _ in
            JSONBody(try await query(SearchQuery(QueryItems(request.uri.query), limits: termLimits)))
        }
        routes.post("/collators/catalog/refresh") { _, _ in
            let count = try await indexer.run(trigger: "refresh")
            return JSONBody(RefreshResult(type: SearchPlugin.catalogType, documents: count))
        }
        routes.get("/collators") { _, _ in
            JSONBody([await store.status])
        }
    }

    /// Answers a query from the current index.
    func query(_ query: SearchQuery) async -> SearchResultSet {
        guard query.types.isEmpty || query.types.contains(SearchPlugin.catalogType) else {
            return SearchResultSet(results: [], numberOfResults: 0, nextPageCursor: nil, previousPageCursor: nil)
        }
        let matches = await store.index.search(term: query.term, filters: query.filters)
        let start = min(query.offset, matches.count)
        let end = min(start + query.pageLimit, matches.count)
        let results = matches[start..<end].enumerated().map { offset, match in
            SearchResultSet.Result(type: SearchPlugin.catalogType, document: match.document, rank: start + offset + 1)
        }
        return SearchResultSet(
            results: results, numberOfResults: matches.count,
            nextPageCursor: end < matches.count ? SearchQuery.encodeCursor(query.page + 1) : nil,
            previousPageCursor: query.page > 0 ? SearchQuery.encodeCursor(query.page - 1) : nil)
    }
}

/// `POST /collators/catalog/refresh`'s body.
struct RefreshResult: Sendable, Encodable {
    /// `software-catalog`.
    let type: String
    /// Documents now in the index.
    let documents: Int
}
