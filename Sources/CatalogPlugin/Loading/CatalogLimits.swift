import BackendKit

/// The bounds on what one catalog request may make the catalog do: `catalog.limits`.
///
/// Every input a handler iterates over is bounded before it reaches the database, so no single caller can make a
/// query run for minutes, exhaust SQLite's statement limits or build a response of gigabytes. A request over a bound
/// gets a 400 naming the limit and its config key; an operator raises a bound there.
///
/// | key | default | bounds |
/// |---|---|---|
/// | `catalog.limits.refsPerRequest` | 1000 | `entityRefs` of `POST /entities/by-refs` |
/// | `catalog.limits.orderFields` | 10 | `orderField` parameters of `GET /entities/by-query` |
/// | `catalog.limits.filterClauses` | 20 | `filter` parameters (alternatives) of one request |
/// | `catalog.limits.filterConditions` | 20 | distinct keys in one `filter` parameter (at most 60: SQLite joins 64 tables) |
/// | `catalog.limits.filterValues` | 100 | `key=value` statements of all `filter` parameters together |
/// | `catalog.limits.queryTermLength` | 1024 | characters of one filter, order or full-text term or facet |
/// | `catalog.limits.pageSize` | 1000 | `limit` of `GET /entities` and `GET /entities/by-query` |
/// | `catalog.limits.responseBytes` | 134217728 (128 MiB) | the JSON a list route builds; larger answers are refused |
struct CatalogLimits: Sendable, Equatable {
    /// `catalog.limits.refsPerRequest`.
    var refsPerRequest = 1000
    /// `catalog.limits.orderFields`.
    var orderFields = 10
    /// `catalog.limits.filterClauses`.
    var filterClauses = 20
    /// `catalog.limits.filterConditions`.
    var filterConditions = 20
    /// `catalog.limits.filterValues`.
    var filterValues = 100
    /// `catalog.limits.queryTermLength`.
    var queryTermLength = 1024
    /// `catalog.limits.pageSize`.
    var pageSize = 1000
    /// `catalog.limits.responseBytes`.
    var responseBytes = 128 * 1024 * 1024

    /// The most distinct keys one filter clause may be configured to join: SQLite joins at most 64 tables.
    static let maximumFilterConditions = 60
    /// The most clauses a filter may be configured to have: SQLite unites at most 500 selects.
    static let maximumFilterClauses = 500

    /// The defaults.
    init() {}

    /// Reads `catalog.limits`, the defaults where a key is unset.
    init(config: Config) throws {
        func read(_ name: String, _ value: inout Int, maximum: Int = .max) throws {
            value = try config.getOptionalInt("catalog.limits.\(name)", minimum: 1, maximum: maximum) ?? value
        }
        try read("refsPerRequest", &refsPerRequest)
        try read("orderFields", &orderFields)
        try read("filterClauses", &filterClauses, maximum: Self.maximumFilterClauses)
        try read("filterConditions", &filterConditions, maximum: Self.maximumFilterConditions)
        try read("filterValues", &filterValues)
        try read("queryTermLength", &queryTermLength)
        try read("pageSize", &pageSize)
        try read("responseBytes", &responseBytes)
    }

    /// `Too many <what>: <count> given, at most <limit> (catalog.limits.<key>)`.
    static func exceeded(_ what: String, count: Int, limit: Int, key: String) -> InputError {
        InputError("Too many \(what): \(count) given, at most \(limit) (catalog.limits.\(key))")
    }

    /// Refuses a term longer than ``queryTermLength`` and any text with a NUL character, which PostgreSQL cannot
    /// store or compare (it would answer 500), with the same 400 on both engines.
    func check(term: String, in parameter: String) throws(InputError) {
        if term.utf8.count > queryTermLength {
            throw InputError(
                "Invalid \(parameter), a term is \(term.utf8.count) bytes long, at most \(queryTermLength) "
                    + "(catalog.limits.queryTermLength)")
        }
        try Self.checkNoNUL(term, in: parameter)
    }

    /// Refuses text with a NUL character (U+0000).
    static func checkNoNUL(_ text: String, in parameter: String) throws(InputError) {
        if text.utf8.contains(0) {
            throw InputError("Invalid \(parameter), it contains a NUL character")
        }
    }
}
