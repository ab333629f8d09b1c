/// Pages of catalog entities for one collation run.
protocol EntityPageSource: Sendable {
    /// Up to `limit` entities starting at `offset`, in the catalog's stable order.
    func page(offset: Int, limit: Int) async throws -> [CatalogEntitySummary]
}
