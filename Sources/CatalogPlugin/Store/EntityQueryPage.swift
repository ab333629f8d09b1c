import BackendKit

/// One page of `GET /entities/by-query`: the items' uids, sort values and stored bodies, in the query's order.
///
/// Pages are keyset pages: a page is the first `limit` matches strictly after (or before) a position, the sort values
/// and uid of an item, in the query's order; never an offset. So following the cursors visits every match that stays
/// exactly once while entities come and go, and a page deep in the catalog costs what the first one does: ordered by
/// uid alone it is a walk of the primary key from the position.
struct EntityQueryPage: Sendable {
    /// The items, in the query's order.
    var items: [(uid: String, values: [String?], body: String)]
    /// Whether there are more matches beyond the page in the direction read.
    var hasMore: Bool
    /// The number of matches, when it was asked for.
    var totalItems: Int?

    /// Reads up to `limit` matches of `query` after `position` (before it when `backward`; from the start when
    /// nil), and counts all matches when `countTotal`; the filter planned by ``EntityQueryPlanner``.
    static func read(
        _ db: any SQLDatabase, _ query: EntityQuery, after position: EntityCursor.Position?, backward: Bool,
        limit: Int, countTotal: Bool
    ) async throws -> EntityQueryPage {
        guard let conditions = try await EntityQueryPlanner.matchConditions(query, db) else {
            return EntityQueryPage(items: [], hasMore: false, totalItems: countTotal ? 0 : nil)
        }
        var totalItems: Int?
        if countTotal {
            totalItems =
                try await db.raw("SELECT COUNT(*) AS n FROM entities e WHERE " + conditions)
                .first(decodingColumn: "n", as: Int.self) ?? 0
        }
        guard limit > 0 else { return EntityQueryPage(items: [], hasMore: false, totalItems: totalItems) }
        // No page is larger than the catalog can hold; the bound keeps `limit + 1` from overflowing.
        let limit = min(limit, Int(Int32.max))
        if query.order.count == 1 {
            var page = try await singleFieldPage(
                db, query.order[0], conditions, after: position, backward: backward, limit: limit)
            page.totalItems = totalItems
            return page
        }
        // The sort values: the smallest value of each order field's key (an array field has several), NULL when
        // the entity has none; NULLs sort last in either direction, as in Backstage.
        var select: SQLQueryString = "SELECT e.entity_id, e.body"
        for (index, order) in query.order.enumerated() {
            select =
                select
                + ", (SELECT MIN(o.value) FROM search o WHERE o.entity_id = e.entity_id AND o.key = \(bind: order.field))"
                + " AS v\(unsafeRaw: String(index))"
        }
        select = select + " FROM entities e WHERE " + conditions
        // Ordered by uid alone, the position is a condition on the primary key; with sort values it applies to the
        // computed columns, so the matches are a derived table.
        var sql: SQLQueryString
        if query.order.isEmpty {
            sql = select
            if let position { sql = sql + " AND " + keyset(query.order, position, backward: backward) }
        } else {
            sql = "SELECT * FROM (" + select + ") e"
            if let position { sql = sql + " WHERE " + keyset(query.order, position, backward: backward) }
        }
        sql = sql + " ORDER BY " + orderBy(query.order, backward: backward) + " LIMIT \(bind: limit + 1)"
        let rows = try await db.raw(sql).all()
        var items: [(uid: String, values: [String?], body: String)] = []
        for row in rows.prefix(limit) {
            let values = try query.order.indices.map { try row.decode(column: "v\($0)", as: String?.self) }
            items.append(
                (
                    try row.decode(column: "entity_id", as: String.self), values,
                    try row.decode(column: "body", as: String.self)
                ))
        }
        if backward { items.reverse() }
        return EntityQueryPage(items: items, hasMore: rows.count > limit, totalItems: totalItems)
    }

    /// The keys every stored entity has a string value for (the validator requires them, the store fills in
    /// namespace and uid).
    static let alwaysPresentKeys: Set<String> = [
        "apiversion", "kind", "metadata.name", "metadata.namespace", "metadata.uid",
    ]

    /// A page ordered by one field, read in index order: the entities with a value for the field through
    /// `search (key, value, entity_id)` from the position on (each entity at its smallest value), then those without
    /// one by uid; so a page costs the rows it reads, not the matches, wherever it is.
    private static func singleFieldPage(
        _ db: any SQLDatabase, _ order: EntityQuery.Order, _ conditions: SQLQueryString,
        after position: EntityCursor.Position?, backward: Bool, limit: Int
    ) async throws -> EntityQueryPage {
        let descending = order.descending != backward
        let beyond = descending ? "<" : ">"
        let direction = descending ? "DESC" : "ASC"
        let key = order.field
        func valued(_ start: (value: String, uid: String)?, _ count: Int) async throws -> [any SQLRow] {
            var sql: SQLQueryString =
                "SELECT e.entity_id, e.body, o.value AS v0 FROM search o CROSS JOIN entities e"
                + " WHERE o.key = \(bind: key) AND o.value IS NOT NULL AND e.entity_id = o.entity_id AND "
                + conditions
                + " AND NOT EXISTS (SELECT 1 FROM search m WHERE m.entity_id = o.entity_id AND m.key = \(bind: key)"
                + " AND m.value < o.value)"
            if let start {
                // The first bound alone is a range of the index (an OR of the two would not be).
                let atOrBeyond = descending ? "<=" : ">="
                sql =
                    sql + " AND o.value \(unsafeRaw: atOrBeyond) \(bind: start.value)"
                    + " AND (o.value \(unsafeRaw: beyond) \(bind: start.value)"
                    + " OR o.entity_id \(unsafeRaw: beyond) \(bind: start.uid))"
            }
            sql =
                sql
                + " ORDER BY o.value \(unsafeRaw: direction), o.entity_id \(unsafeRaw: direction) LIMIT \(bind: count)"
            return try await db.raw(sql).all()
        }
        func allValueless(_ startUID: String?, _ count: Int) async throws -> [any SQLRow] {
            var sql: SQLQueryString =
                "SELECT e.entity_id, e.body, NULL AS v0 FROM entities e WHERE " + conditions
                + " AND NOT EXISTS (SELECT 1 FROM search m WHERE m.entity_id = e.entity_id AND m.key = \(bind: key)"
                + " AND m.value IS NOT NULL)"
            if let startUID { sql = sql + " AND e.entity_id \(unsafeRaw: beyond) \(bind: startUID)" }
            sql = sql + " ORDER BY e.entity_id \(unsafeRaw: direction) LIMIT \(bind: count)"
            return try await db.raw(sql).all()
        }
        // Entities without a value come after all others in either order; reading backwards, before them. Finding
        // them reads every match, so it is skipped for the fields every entity has.
        let wanted = limit + 1
        let everyEntityHasIt = alwaysPresentKeys.contains(key)
        func valueless(_ startUID: String?, _ count: Int) async throws -> [any SQLRow] {
            everyEntityHasIt ? [] : try await allValueless(startUID, count)
        }
        var rows: [any SQLRow]
        let start = position.flatMap { position in position.values[0].map { (value: $0, uid: position.uid) } }
        switch (position, start, backward) {
        case (_?, nil, false):
            rows = try await valueless(position?.uid, wanted)
        case (_, _, false):
            rows = try await valued(start, wanted)
            if rows.count < wanted { rows += try await valueless(nil, wanted - rows.count) }
        case (_?, nil, true):
            rows = try await valueless(position?.uid, wanted)
            if rows.count < wanted { rows += try await valued(nil, wanted - rows.count) }
        case (_, _, true):
            rows = try await valued(start, wanted)
        }
        var items: [(uid: String, values: [String?], body: String)] = []
        for row in rows.prefix(limit) {
            items.append(
                (
                    try row.decode(column: "entity_id", as: String.self),
                    [try row.decode(column: "v0", as: String?.self)],
                    try row.decode(column: "body", as: String.self)
                ))
        }
        if backward { items.reverse() }
        return EntityQueryPage(items: items, hasMore: rows.count > limit, totalItems: nil)
    }

    /// `ORDER BY` of the query's order (each field's NULLs last), then uid in the first field's direction; every
    /// direction reversed when reading backwards.
    private static func orderBy(_ order: [EntityQuery.Order], backward: Bool) -> SQLQueryString {
        var parts: [SQLQueryString] = []
        for (index, field) in order.enumerated() {
            let column = "v\(index)"
            let descending = field.descending != backward
            parts.append("(\(unsafeRaw: column) IS NULL) \(unsafeRaw: backward ? "DESC" : "ASC")")
            parts.append("\(unsafeRaw: column) \(unsafeRaw: descending ? "DESC" : "ASC")")
        }
        let uidDescending = (order.first?.descending ?? false) != backward
        parts.append("e.entity_id \(unsafeRaw: uidDescending ? "DESC" : "ASC")")
        var sql: SQLQueryString = ""
        for (index, part) in parts.enumerated() {
            sql = index == 0 ? part : sql + ", " + part
        }
        return sql
    }

    /// Items strictly after `position` in the order (strictly before it when `backward`): a lexicographic comparison
    /// of the sort values, NULL last, then the uid.
    private static func keyset(
        _ order: [EntityQuery.Order], _ position: EntityCursor.Position, backward: Bool
    ) -> SQLQueryString {
        let uidDescending = (order.first?.descending ?? false)
        var sql: SQLQueryString =
            "e.entity_id \(unsafeRaw: uidDescending != backward ? "<" : ">") \(bind: position.uid)"
        for index in order.indices.reversed() {
            let column = "v\(index)"
            let beyond = order[index].descending != backward ? "<" : ">"
            switch (position.values[index], backward) {
            case (nil, false):
                // Nothing sorts after NULL but other NULLs.
                sql = "(\(unsafeRaw: column) IS NULL AND " + sql + ")"
            case (nil, true):
                sql = "(\(unsafeRaw: column) IS NOT NULL OR (\(unsafeRaw: column) IS NULL AND " + sql + "))"
            case (let value?, false):
                sql =
                    "(\(unsafeRaw: column) IS NULL OR \(unsafeRaw: column) \(unsafeRaw: beyond) \(bind: value)"
                    + " OR (\(unsafeRaw: column) = \(bind: value) AND " + sql + "))"
            case (let value?, true):
                sql =
                    "(\(unsafeRaw: column) IS NOT NULL AND (\(unsafeRaw: column) \(unsafeRaw: beyond) \(bind: value)"
                    + " OR (\(unsafeRaw: column) = \(bind: value) AND " + sql + ")))"
            }
        }
        return sql
    }
}
