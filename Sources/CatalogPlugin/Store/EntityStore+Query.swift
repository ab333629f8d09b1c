import BackendKit

/// The store's reads of many entities: `GET /entities`, `GET /entities/by-query`, `POST /entities/by-refs` and
/// `GET /entity-facets`, planned by ``EntityQueryPlanner`` and ``EntityQueryPage``.
extension EntityStore {
    /// The entities matching `filter`, in ref order, skipping `offset` and returning at most `limit` (all when nil).
    func list(filter: EntityFilter, offset: Int = 0, limit: Int? = nil) async throws -> [Entity] {
        try await bodies(filter: filter, offset: offset, limit: limit).map { body in
            try Self.decode(body)
        }
    }

    /// The same entities as ``list(filter:offset:limit:)`` as one JSON array, assembled from the stored bodies.
    func encodedList(filter: EntityFilter, offset: Int = 0, limit: Int? = nil) async throws -> ByteBuffer {
        let bodies = try await bodies(filter: filter, offset: offset, limit: limit)
        var buffer = ByteBuffer()
        buffer.reserveCapacity(bodies.reduce(2) { $0 + $1.utf8.count + 1 })
        buffer.writeInteger(UInt8(ascii: "["))
        for (index, body) in bodies.enumerated() {
            if index > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
            buffer.writeString(body)
        }
        buffer.writeInteger(UInt8(ascii: "]"))
        return buffer
    }

    private func bodies(filter: EntityFilter, offset: Int, limit: Int?) async throws -> [String] {
        if database.dialect == .postgresql {
            return try await database.transaction { db in
                try await EntityQueryPlanner.bodies(db, filter: filter, offset: offset, limit: limit, isPostgres: true)
            }
        }
        return try await database.withSession { db in
            try await EntityQueryPlanner.bodies(db, filter: filter, offset: offset, limit: limit, isPostgres: false)
        }
    }

    /// Reads up to `limit` matches of `query` after `position` (before it when `backward`; from the start when
    /// nil), and counts all matches when `countTotal`.
    func queryPage(
        _ query: EntityQuery, after position: EntityCursor.Position?, backward: Bool, limit: Int, countTotal: Bool
    ) async throws -> EntityQueryPage {
        let isPostgres = database.dialect == .postgresql
        let read = { @Sendable (db: any SQLDatabase) async throws -> EntityQueryPage in
            if isPostgres, !query.filter.clauses.isEmpty { try await EntityQueryPlanner.pinPostgresPlan(db) }
            return try await EntityQueryPage.read(
                db, query, after: position, backward: backward, limit: limit, countTotal: countTotal)
        }
        if isPostgres { return try await database.transaction(read) }
        return try await database.withSession(read)
    }

    /// The stored bodies of the entities with these refs (compared case-insensitively) that match `filter`, in the
    /// order of `refs`, nil for a ref with no such entity.
    func bodies(refs: [String], filter: EntityFilter) async throws -> [String?] {
        let keys = refs.map { $0.lowercased() }
        let found = try await database.withSession { db -> [String: String] in
            var found: [String: String] = [:]
            var matching: SQLQueryString?
            if !filter.clauses.isEmpty {
                guard let ids = try await EntityQueryPlanner.matchingIDs(filter, db) else { return [:] }
                matching = ids
            }
            // The filter's sub-select shares each statement with a batch of refs.
            let reserved = matching.map { db.bindCount(of: $0) } ?? 0
            for batch in db.batches(of: Array(Set(keys)), bindsPerItem: 1, reserving: reserved) {
                var sql: SQLQueryString =
                    "SELECT entity_ref, body FROM entities WHERE entity_ref IN (\(binds: Array(batch)))"
                if let matching { sql = sql + " AND entity_id IN (" + matching + ")" }
                for row in try await db.raw(sql).all() {
                    found[try row.decode(column: "entity_ref", as: String.self)] = try row.decode(
                        column: "body", as: String.self)
                }
            }
            return found
        }
        return keys.map { found[$0] }
    }

    /// For each facet (a dotted field), the values the matching entities have there, as written, and how many
    /// entities have each, most frequent first, then by value.
    func facets(_ facets: [String], filter: EntityFilter) async throws -> [String: [(value: String, count: Int)]] {
        let keys = Array(Set(facets.map { $0.lowercased() }))
        let rows = try await database.withSession { db -> [(key: String, value: String, count: Int)] in
            guard !keys.isEmpty else { return [] }
            var sql: SQLQueryString =
                "SELECT key, original_value AS value, COUNT(DISTINCT entity_id) AS n FROM search"
                + " WHERE key IN (\(binds: keys)) AND original_value IS NOT NULL"
            if !filter.clauses.isEmpty {
                guard let matching = try await EntityQueryPlanner.matchingIDs(filter, db) else { return [] }
                sql = sql + " AND entity_id IN (" + matching + ")"
            }
            sql = sql + " GROUP BY key, original_value"
            return try await db.raw(sql).all().map {
                (
                    try $0.decode(column: "key", as: String.self), try $0.decode(column: "value", as: String.self),
                    try $0.decode(column: "n", as: Int.self)
                )
            }
        }
        var result: [String: [(value: String, count: Int)]] = [:]
        for facet in facets {
            result[facet] = rows.filter { $0.key == facet.lowercased() }
                .map { (value: $0.value, count: $0.count) }
                .sorted { $0.count != $1.count ? $0.count > $1.count : $0.value < $1.value }
        }
        return result
    }
}
