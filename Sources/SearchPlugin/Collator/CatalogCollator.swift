/// Reads every entity from the catalog page by page and turns them into search documents.
struct CatalogCollator: Sendable {
    /// Entities per `GET /entities/by-query` call.
    let pageSize: Int
    /// A safety stop: at most this many pages per run.
    let maxPages: Int

    /// A collator reading `pageSize` entities per call (at least 1).
    init(pageSize: Int = 500, maxPages: Int = 10_000) {
        self.pageSize = max(1, pageSize)
        self.maxPages = max(1, maxPages)
    }

    /// The documents of every entity; follows the pages' cursors until the last page.
    func collect(from source: some EntityPageSource) async throws -> [CatalogEntityDocument] {
        var documents: [CatalogEntityDocument] = []
        var seen: Set<String> = []
        var cursor: String?
        for _ in 0..<maxPages {
            try Task.checkCancellation()
            let page = try await source.page(cursor: cursor, limit: pageSize)
            for entity in page.entities {
                let document = CatalogEntityDocument(entity)
                if seen.insert(document.location).inserted {
                    documents.append(document)
                }
            }
            guard let next = page.nextCursor else { break }
            cursor = next
        }
        return documents
    }
}
