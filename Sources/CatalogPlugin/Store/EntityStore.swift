import BackendKit
import Foundation

/// The catalog's entities in the plugin's database: unique by case-insensitive ref, listed in ref order so that
/// `offset`/`limit` paging is stable, filtered through the `search` index (``CatalogMigrations``).
///
/// Every method is one transaction or one query, so any number of processes can share the database.
struct EntityStore: Sendable {
    /// The plugin's database.
    let database: PluginDatabase
    /// Entity bodies by ref, on SQLite only (see ``BodyCache``).
    private let cache: BodyCache?

    /// A store in `database`.
    init(database: PluginDatabase) {
        self.database = database
        self.cache = database.dialectName == "sqlite" ? BodyCache() : nil
    }

    /// Creates the tables if needed.
    func migrate() async throws {
        try await database.migrate(CatalogMigrations.all)
    }

    /// The number of entities.
    func count() async throws -> Int {
        try await database.withSession { db in
            try await db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "count").from("entities")
                .first(decodingColumn: "count", as: Int.self) ?? 0
        }
    }

    /// Adds a validated entity, giving it a `metadata.uid` if it has none, and returns what was stored; throws
    /// `ConflictError` if an entity with the same ref exists.
    @discardableResult
    func add(_ entity: Entity) async throws -> Entity {
        let stored = Self.withUID(entity, uid: nil)
        let uid = stored.document["metadata"]?["uid"]?.stringValue ?? ""
        let conflict = try await database.transaction { db -> ConflictError? in
            guard try await Self.row(db, ref: entity.ref) == nil else { return CatalogError.entityExists(entity.ref) }
            let sameUID = try await db.select().column("entity_id").from("entities").where("entity_id", .equal, uid)
                .first()
            guard sameUID == nil else { return ConflictError("An entity with uid '\(uid)' already exists") }
            try await Self.insert(
                stored, body: stored.document.jsonText(options: .sortedKeys), locationKey: nil, into: db)
            return nil
        }
        if let conflict { throw conflict }
        await cache?.forget(entity.ref.key)
        return stored
    }

    /// Makes the entities of configured locations what `entities` says, keeping each one's `metadata.uid` across
    /// restarts: new ones are added, changed ones replaced, and ones a location no longer declares removed.
    /// Entities registered through the API are kept, unless a location now declares the same ref.
    func replaceLocationEntities(_ entities: [(entity: Entity, locationKey: String)]) async throws {
        // Exclusive: replicas starting together would otherwise insert the same location entities at once.
        let changed = try await database.exclusiveTransaction(named: "catalog-locations") { db -> Bool in
            // One read of what the locations stored last time; an entity that has not changed is not rewritten,
            // so a restart with a large catalog costs a read, not a rewrite.
            let previousRows = try await db.select().columns("entity_ref", "entity_id", "body", "location_key")
                .from("entities").where("location_key", .isNot, SQLLiteral.null).all()
            var previous: [String: (uid: String, body: String, location: String)] = [:]
            for row in previousRows {
                previous[try row.decode(column: "entity_ref", as: String.self)] = (
                    try row.decode(column: "entity_id", as: String.self),
                    try row.decode(column: "body", as: String.self),
                    try row.decode(column: "location_key", as: String.self)
                )
            }
            var keep = Set<String>()
            var rewritten = 0
            for (entity, locationKey) in entities {
                let key = entity.ref.key
                keep.insert(key)
                let existingUID: String?
                if let old = previous[key] {
                    existingUID = old.uid
                } else {
                    existingUID = try await Self.row(db, ref: entity.ref)?.uid
                }
                let stored = Self.withUID(entity, uid: existingUID)
                let body = stored.document.jsonText(options: .sortedKeys)
                if let old = previous[key], old.location == locationKey, old.body == body {
                    continue
                }
                if existingUID != nil {
                    try await db.delete(from: "entities").where("entity_ref", .equal, key).run()
                }
                try await Self.insert(stored, body: body, locationKey: locationKey, into: db)
                rewritten += 1
            }
            var changed = false
            for ref in previous.keys where !keep.contains(ref) {
                try await db.delete(from: "entities").where("entity_ref", .equal, ref).run()
                changed = true
            }
            return changed || rewritten > 0
        }
        await cache?.clear()
        if changed {
            // Fresh statistics after a bulk load: without them PostgreSQL guesses a handful of rows per key and
            // scans where it should look up (BENCHMARKS.md, "Durable state").
            try await database.withSession { db in
                try await db.raw("ANALYZE entities").run()
                try await db.raw("ANALYZE search").run()
            }
        }
    }

    /// The JSON encoding of the entity with this ref (case-insensitive), if any.
    func encodedEntity(_ ref: EntityRef) async throws -> ByteBuffer? {
        let key = ref.key
        let cached = await cache?.lookup(key)
        if let body = cached?.body { return body }
        let body = try await database.withSession { db in
            try await db.select().column("body").from("entities").where("entity_ref", .equal, key)
                .first(decodingColumn: "body", as: String.self)
        }.map { ByteBuffer(string: $0) }
        if let body, let generation = cached?.generation {
            await cache?.remember(body, for: key, readAt: generation)
        }
        return body
    }

    /// The entity with this ref (case-insensitive), if any.
    func entity(_ ref: EntityRef) async throws -> Entity? {
        try await database.withSession { db in try await Self.row(db, ref: ref) }.map { try Self.decode($0.body) }
    }

    /// The entity whose `metadata.uid` is `uid`, if any.
    func entity(uid: String) async throws -> Entity? {
        let row = try await database.withSession { db in
            try await db.select().columns("entity_id", "body").from("entities").where("entity_id", .equal, uid)
                .first(decoding: Row.self)
        }
        return try row.map { try Self.decode($0.body) }
    }

    /// Removes the entity with this ref; throws `NotFoundError` if there is none.
    func remove(_ ref: EntityRef) async throws {
        let removed = try await database.transaction { db in
            guard try await Self.row(db, ref: ref) != nil else { return false }
            // Its `search` rows go with it (ON DELETE CASCADE), as when a location entity is replaced.
            try await db.delete(from: "entities").where("entity_ref", .equal, ref.key).run()
            return true
        }
        await cache?.forget(ref.key)
        guard removed else { throw CatalogError.entityNotFound(ref) }
    }

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
        if database.dialectName == "postgresql" {
            return try await database.transaction { db in
                try await Self.bodies(db, filter: filter, offset: offset, limit: limit, isPostgres: true)
            }
        }
        return try await database.withSession { db in
            try await Self.bodies(db, filter: filter, offset: offset, limit: limit, isPostgres: false)
        }
    }

    private static func bodies(
        _ db: any SQLDatabase, filter: EntityFilter, offset: Int, limit: Int?, isPostgres: Bool
    ) async throws -> [String] {
        if isPostgres, !filter.clauses.isEmpty {
            // Keep PostgreSQL to the join order chosen below, as SQLite's CROSS JOIN does, whatever its statistics
            // say (right after a bulk load they say nothing), and off bitmap scans, which read every index entry of
            // a broad condition before the probe's LIMIT applies. The settings last until the transaction ends.
            try await db.raw(
                """
                SELECT set_config('join_collapse_limit', '1', true), set_config('from_collapse_limit', '1', true),
                set_config('enable_bitmapscan', 'off', true)
                """
            ).run()
        }
        // SQLite needs a LIMIT to accept an OFFSET.
        let limit = limit ?? (offset > 0 ? Int(Int64.max) : nil)
        guard !filter.clauses.isEmpty else {
            var query = db.select().column("body").from("entities").orderBy("entity_ref")
            if let limit { query = query.limit(limit) }
            if offset > 0 { query = query.offset(offset) }
            return try await query.all(decodingColumn: "body", as: String.self)
        }
        var clauses: [SQLQueryString] = []
        for clause in filter.clauses {
            guard let ordered = try await Self.mostSelectiveFirst(clause.conditions, db) else { continue }
            clauses.append(Self.matches(ordered))
        }
        guard !clauses.isEmpty else { return [] }
        var query: SQLQueryString = "SELECT e.body FROM ("
        for (index, clause) in clauses.enumerated() {
            if index > 0 { query = query + " UNION " }
            query = query + clause
        }
        query = query + ") m CROSS JOIN entities e WHERE e.entity_id = m.entity_id ORDER BY e.entity_ref"
        if let limit { query = query + " LIMIT \(bind: limit)" }
        if offset > 0 { query = query + " OFFSET \(bind: offset)" }
        return try await db.raw(query).all(decodingColumn: "body", as: String.self)
    }

    /// Rows of the `search` index a condition counts, at most: enough to tell a selective condition from a broad one.
    static let selectivityProbeLimit = 1000

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
            let probe: SQLQueryString =
                "SELECT COUNT(*) AS n FROM (SELECT 1 FROM search WHERE " + Self.predicate(condition, alias: "search")
                + " LIMIT \(bind: selectivityProbeLimit)) p"
            let count = try await db.raw(probe).first(decodingColumn: "n", as: Int.self) ?? 0
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

    /// The uid and body of a row of `entities` (the body carries the rest).
    private struct Row: Decodable, Sendable {
        let uid: String
        let body: String

        enum CodingKeys: String, CodingKey {
            case uid = "entity_id"
            case body
        }
    }

    private static func row(_ db: any SQLDatabase, ref: EntityRef) async throws -> Row? {
        try await db.select().columns("entity_id", "body").from("entities").where("entity_ref", .equal, ref.key)
            .first(decoding: Row.self)
    }

    /// Inserts `entity` with its encoded `body` and its `search` rows.
    private static func insert(
        _ entity: Entity, body: String, locationKey: String?, into db: any SQLDatabase
    ) async throws {
        let uid = entity.document["metadata"]?["uid"]?.stringValue ?? UUID().uuidString.lowercased()
        try await db.insert(into: "entities")
            .columns("entity_id", "entity_ref", "kind", "namespace", "name", "body", "location_key")
            .values(
                SQLBind(uid), SQLBind(entity.ref.key), SQLBind(entity.ref.kind), SQLBind(entity.ref.namespace),
                SQLBind(entity.ref.name), SQLBind(body), SQLBind(locationKey)
            )
            .run()
        let rows = EntitySearchFields(entity).rows
        // Batches keep each statement well under SQLite's and PostgreSQL's bind-parameter limits.
        for start in stride(from: 0, to: rows.count, by: 200) {
            var insert = db.insert(into: "search").columns("entity_id", "key", "value")
            for row in rows[start..<min(start + 200, rows.count)] {
                insert = insert.values(SQLBind(uid), SQLBind(row.key), SQLBind(row.value))
            }
            try await insert.run()
        }
    }

    /// Parses a stored body back into an entity.
    static func decode(_ body: String) throws -> Entity {
        let document = try JSONDecoder().decode(JSONValue.self, from: Data(body.utf8))
        return try EntityValidator.validate(document)
    }

    /// `entity` with `metadata.uid` set: `uid` when given (kept across restarts), the entity's own, or a new one.
    private static func withUID(_ entity: Entity, uid: String?) -> Entity {
        guard case .object(var members) = entity.document, var metadata = members["metadata"]?.objectValue else {
            return entity
        }
        if let uid {
            metadata["uid"] = .string(uid)
        } else if metadata["uid"]?.stringValue == nil {
            metadata["uid"] = .string(UUID().uuidString.lowercased())
        }
        members["metadata"] = .object(metadata)
        return Entity(document: .object(members), ref: entity.ref)
    }
}

/// Recently read entity bodies by lower-cased ref, for `GET /entities/by-name` on SQLite.
///
/// Measured (BENCHMARKS.md, "Durable state"): an SQLite read costs several thread wake-ups (the query runs on
/// SQLiteNIO's thread pool and resumes the request on another thread), which doubled the server CPU per by-name
/// request. An SQLite database belongs to one process, and every write to it goes through this store, which forgets
/// the entries it changes after committing; so a cached body is never stale. PostgreSQL databases are shared by
/// replicas, whose writes this process cannot see, so they are not cached.
actor BodyCache {
    /// The most bodies kept; beyond it the cache starts over (a simple bound, not an LRU).
    static let capacity = 10_000
    private var bodies: [String: ByteBuffer] = [:]
    /// Counts writes; a body read from the database before a write must not be remembered after it.
    private var generation = 0

    /// The cached body of `key`, if any, and the generation to pass to ``remember(_:for:readAt:)`` after reading
    /// it from the database instead: one call, since this is on every by-name request.
    func lookup(_ key: String) -> (body: ByteBuffer?, generation: Int) { (bodies[key], generation) }

    /// Keeps `body` for `key` if no write happened since `generation` was read (before the database read).
    func remember(_ body: ByteBuffer, for key: String, readAt generation: Int) {
        guard generation == self.generation else { return }
        if bodies.count >= Self.capacity { bodies.removeAll(keepingCapacity: true) }
        bodies[key] = body
    }

    /// Drops `key` (after a write to it).
    func forget(_ key: String) {
        generation += 1
        bodies[key] = nil
    }

    /// Drops everything (after a bulk write).
    func clear() {
        generation += 1
        bodies.removeAll()
    }
}
