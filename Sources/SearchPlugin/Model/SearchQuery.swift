import BackendKit
import Foundation

/// The query of `GET /query`, parsed like Backstage's search API: `term`, `types[0]=…` (or
/// `types=…`), `filters[field]=value`, `pageLimit` (1–100, default 25) and `pageCursor`; a `term` longer than
/// `search.maxTermLength` or with more tokens than `search.maxTermTokens` is refused (``SearchTermLimits``).
struct SearchQuery: Sendable, Equatable {
    /// The search text.
    let term: String
    /// Requested document types; empty means all.
    let types: [String]
    /// Field → accepted values.
    let filters: [String: [String]]
    /// Results per page.
    let pageLimit: Int
    /// Zero-based page.
    let page: Int

    /// Parses the query items; throws `InputError` for a bad `pageLimit` or `pageCursor`, or a `term` over `limits`.
    init(_ query: QueryItems, limits: SearchTermLimits = .defaults) throws(InputError) {
        term = query.first("term") ?? ""
        try limits.check(term)
        var types: [String] = []
        var filters: [String: [String]] = [:]
        for (name, value) in query.items {
            if name == "types" || (name.hasPrefix("types[") && name.hasSuffix("]")) {
                types.append(value)
            } else if name.hasPrefix("filters["), let close = name.firstIndex(of: "]") {
                let field = String(name[name.index(name.startIndex, offsetBy: 8)..<close])
                if !field.isEmpty { filters[field, default: []].append(value) }
            }
        }
        self.types = types
        self.filters = filters
        if let text = query.first("pageLimit") {
            guard let limit = Int(text), (1...100).contains(limit) else {
                throw InputError("Invalid pageLimit '\(text)', expected an integer from 1 to 100")
            }
            pageLimit = limit
        } else {
            pageLimit = 25
        }
        if let cursor = query.first("pageCursor"), !cursor.isEmpty {
            guard let page = Self.decodeCursor(cursor) else {
                throw InputError("Invalid pageCursor '\(cursor)'")
            }
            self.page = page
        } else {
            page = 0
        }
    }

    /// The index of the page's first result: `page * pageLimit`, or `Int.max` when that overflows (a cursor may
    /// name any page; one past every result is an empty page, not a crash).
    var offset: Int {
        let (product, overflow) = page.multipliedReportingOverflow(by: pageLimit)
        return overflow ? Int.max : product
    }

    /// Backstage's lunr engine cursor: base64 of the page number.
    static func encodeCursor(_ page: Int) -> String {
        Data(String(page).utf8).base64EncodedString()
    }

    private static func decodeCursor(_ cursor: String) -> Int? {
        guard let data = Data(base64Encoded: cursor), let page = Int(String(decoding: data, as: UTF8.self)),
            page >= 0
        else { return nil }
        return page
    }
}
