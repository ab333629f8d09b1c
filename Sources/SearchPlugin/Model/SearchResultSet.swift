/// `GET /query`'s body, shaped like Backstage's `SearchResultSet`.
struct SearchResultSet: Sendable, Encodable, Equatable {
    /// One result.
    struct Result: Sendable, Encodable, Equatable {
        /// `software-catalog`.
        let type: String
        /// The document.
        let document: CatalogEntityDocument
        /// Position in the whole result list, from 1.
        let rank: Int
    }

    /// This page's results.
    let results: [Result]
    /// All matches, over every page.
    let numberOfResults: Int
    /// The cursor of the next page, if any.
    let nextPageCursor: String?
    /// The cursor of the previous page, if any.
    let previousPageCursor: String?
}
