import BackendKit
import Foundation

/// How a filter becomes SQL over the `search` index (``CatalogMigrations``): which condition to read first, and
/// whether a page should start from the matches or from `entities` in page order.
///
/// The plans are chosen by counting, per condition, the index rows it matches up to ``selectivityProbeLimit``: enough
/// to tell a selective condition from a broad one, in a few index steps.
enum EntityQueryPlanner {
    /// Rows of the `search` index a condition counts, at most: enough to tell a selective condition from a broad one.
    static let selectivityProbeLimit = 1000

    /// The ids of the entities matching a non-empty `filter`, as one sub-select (a `UNION` of its clauses), or nil
    /// when no clause can match.
    static func matchingIDs(_ filter: EntityFilter, _ db: any SQLDatabase) async throws -> SQLQueryString? {
        var clauses: [SQLQueryString] = []
        for clause in filter.clauses {
            guard let ordered = try await mostSelectiveFirst(clause.conditions, db) else { continue }
            clauses.append(matches(ordered))
        }
        guard !clauses.isEmpty else { return nil }
        var query: SQLQueryString = ""
        for (index, clause) in clauses.enumerated() {
            if index > 0 { query = query + " UNION " }
            query = query + clause
        }
        return query
    }

    /// Keeps PostgreSQL to the join order of ``matches(_:)``, as SQLite's CROSS JOIN does, whatever its statistics
    /// say (right after a bulk load they say nothing), and off bitmap scans, which read every index entry of a broad
    /// condition before the probe's LIMIT applies. The settings last until the transaction ends.
    static func pinPostgresPlan(_ db: any SQLDatabase) async throws {
        try await db.raw(
            """
            SELECT set_config('join_collapse_limit', '1', true), set_config('from_collapse_limit', '1', true),
            set_config('enable_bitmapscan', 'off', true)
            """
        ).run()
    }

    /// The number of `search` rows matching `condition`, counted up to ``selectivityProbeLimit``.
    static func probe(_ condition: (key: String, values: [String]), _ db: any SQLDatabase) async throws -> Int {
        let probe: SQLQueryString =
            "SELECT COUNT(*) AS n FROM (SELECT 1 FROM search WHERE " + predicate(condition, alias: "search")
            + " LIMIT \(bind: selectivityProbeLimit)) p"
        return try await db.raw(probe).first(decodingColumn: "n", as: Int.self) ?? 0
    }

    /// `conditions` ordered from the one matching the fewest index rows (counted up to ``selectivityProbeLimit``),
    /// or `nil` when one of them matches nothing (the clause then matches nothing).
    ///
    /// Measured (BENCHMARKS.md, "Durable state"): with `IN (sub-select)` per condition, a filter such as
    /// `kind=component,spec.owner=team-7` read every component's index row, so its latency grew with the catalog.
    /// SQLite keeps no per-value statistics (sqlite-nio is built without STAT4), so it cannot tell that `team-7` is
    /// rare and `component` is not; a bounded count per condition can, for a few index steps.
    static func mostSelectiveFirst(
        _ conditions: [(key: String, values: [String])], _ db: any SQLDatabase
    ) async throws -> [(key: String, values: [String])]? {
        var counted: [(count: Int, condition: (key: String, values: [String]))] = []
        for condition in conditions {
            let count = try await probe(condition, db)
            guard count > 0 else { return nil }
            counted.append((count, condition))
        }
        return counted.sorted { $0.count < $1.count }.map(\.condition)
    }

    /// The ids of entities matching every condition, joined in the given order (`CROSS JOIN` keeps SQLite to it;
    /// PostgreSQL plans by its own statistics).
    static func matches(_ conditions: [(key: String, values: [String])]) -> SQLQueryString {
        var query: SQLQueryString = "SELECT s0.entity_id FROM search s0"
        for index in conditions.indices.dropFirst() {
            query = query + " CROSS JOIN search s\(unsafeRaw: String(index))"
        }
        query = query + " WHERE " + predicate(conditions[0], alias: "s0")
        for (index, condition) in conditions.enumerated().dropFirst() {
            let alias = "s\(index)"
            query =
                query + " AND \(unsafeRaw: alias).entity_id = s0.entity_id AND " + predicate(condition, alias: alias)
        }
        return query
    }

    /// `alias.key = ? [AND alias.value IN (?, …)]`.
    static func predicate(_ condition: (key: String, values: [String]), alias: String) -> SQLQueryString {
        var predicate: SQLQueryString = "\(unsafeRaw: alias).key = \(bind: condition.key)"
        if !condition.values.isEmpty {
            predicate = predicate + " AND \(unsafeRaw: alias).value IN (\(binds: condition.values))"
        }
        return predicate
    }

    /// The `WHERE` conditions of the query's filter and full-text filter on `entities e` (`1 = 1` for none), or nil
    /// when the filter can match nothing.
    static func matchConditions(_ query: EntityQuery, _ db: any SQLDatabase) async throws -> SQLQueryString? {
        var conditions: SQLQueryString = "1 = 1"
        if !query.filter.clauses.isEmpty {
            if let broad = try await broadFilterConditions(query.filter, db) {
                conditions = conditions + " AND (" + broad + ")"
            } else {
                guard let matching = try await matchingIDs(query.filter, db) else { return nil }
                conditions = conditions + " AND e.entity_id IN (" + matching + ")"
            }
        }
        if let fullText = query.fullText {
            let escaped = fullText.term.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
            conditions =
                conditions
                + " AND e.entity_id IN (SELECT t.entity_id FROM search t WHERE t.key IN (\(binds: fullText.fields))"
                + " AND t.value LIKE \(bind: "%" + escaped + "%") ESCAPE '\\')"
        }
        return conditions
    }

    /// For a filter whose every clause is broad (even its rarest condition reaches ``selectivityProbeLimit`` index
    /// rows), the clauses as conditions on each row of `entities e` read in page order (`EXISTS` probes of the
    /// `(entity_id, key, value)` index), so a page reads about as many rows as it returns; nil when a clause is
    /// selective, whose few matches are better read first (``matchingIDs(_:_:)``).
    ///
    /// Measured (BENCHMARKS.md, section 6): `filter=kind=component` over 100,000 components read all of them for
    /// every page on SQLite when its ids were a sub-select.
    static func broadFilterConditions(_ filter: EntityFilter, _ db: any SQLDatabase) async throws -> SQLQueryString? {
        var clauses: [SQLQueryString] = []
        for clause in filter.clauses {
            var probes: [SQLQueryString] = []
            var rarest = Int.max
            var matchesNothing = false
            for (index, condition) in clause.conditions.enumerated() {
                let count = try await probe(condition, db)
                if count == 0 { matchesNothing = true }
                rarest = min(rarest, count)
                let alias = "f\(index)"
                probes.append(
                    "EXISTS (SELECT 1 FROM search \(unsafeRaw: alias) WHERE \(unsafeRaw: alias).entity_id = e.entity_id AND "
                        + predicate(condition, alias: alias) + ")")
            }
            if matchesNothing { continue }
            guard rarest >= selectivityProbeLimit else { return nil }
            var all: SQLQueryString = ""
            for (index, probe) in probes.enumerated() {
                all = index == 0 ? probe : all + " AND " + probe
            }
            clauses.append("(" + all + ")")
        }
        guard !clauses.isEmpty else { return "1 = 0" }
        var any: SQLQueryString = ""
        for (index, clause) in clauses.enumerated() {
            any = index == 0 ? clause : any + " OR " + clause
        }
        return any
    }

    /// The stored bodies of the entities matching `filter`, in ref order, skipping `offset` and returning at most
    /// `limit` (all when nil); on PostgreSQL inside a transaction (see ``pinPostgresPlan(_:)``).
    static func bodies(
        _ db: any SQLDatabase, filter: EntityFilter, offset: Int, limit: Int?, isPostgres: Bool
    ) async throws -> [String] {
        if isPostgres, !filter.clauses.isEmpty {
            try await pinPostgresPlan(db)
        }
        // SQLite needs a LIMIT to accept an OFFSET.
        let limit = limit ?? (offset > 0 ? Int(Int64.max) : nil)
        guard !filter.clauses.isEmpty else {
            var query = db.select().column("body").from("entities").orderBy("entity_ref")
            if let limit { query = query.limit(limit) }
            if offset > 0 { query = query.offset(offset) }
            return try await query.all(decodingColumn: "body", as: String.self)
        }
        guard let matching = try await matchingIDs(filter, db) else { return [] }
        var query: SQLQueryString = "SELECT e.body FROM (" + matching
        query = query + ") m CROSS JOIN entities e WHERE e.entity_id = m.entity_id ORDER BY e.entity_ref"
        if let limit { query = query + " LIMIT \(bind: limit)" }
        if offset > 0 { query = query + " OFFSET \(bind: offset)" }
        return try await db.raw(query).all(decodingColumn: "body", as: String.self)
    }
}
