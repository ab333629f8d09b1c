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
        self.cache = database.dialect == .sqlite ? BodyCache() : nil
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

    /// The number of entities of each kind, as stored.
    func countsByKind() async throws -> [(kind: String, count: Int)] {
        try await database.withSession { db in
            try await db.select().column("kind").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "count")
                .from("entities").groupBy("kind").all()
                .map {
                    (
                        kind: try $0.decode(column: "kind", as: String.self),
                        count: try $0.decode(column: "count", as: Int.self)
                    )
                }
        }
    }

    /// Adds a validated entity, giving it a `metadata.uid` if it has none, and returns what was stored (with its
    /// `relations`); throws `ConflictError` if an entity with the same ref exists.
    @discardableResult
    func add(_ entity: Entity) async throws -> Entity {
        let source = Self.source(entity, uid: nil)
        let uid = source.document["metadata"]?["uid"]?.stringValue ?? ""
        let outcome = try await database.exclusiveTransaction(named: Self.writeLock) {
            db -> Result<(Entity, Set<String>), ConflictError> in
            guard try await Self.row(db, ref: entity.ref) == nil else {
                return .failure(CatalogError.entityExists(entity.ref))
            }
            let sameUID = try await db.select().column("entity_id").from("entities").where("entity_id", .equal, uid)
                .first()
            guard sameUID == nil else { return .failure(ConflictError("An entity with uid '\(uid)' already exists")) }
            let (stored, peers) = try await Self.insert(source, locationKey: nil, into: db)
            let touched = try await Self.restitch(peers, db)
            return .success((stored, touched.union([entity.ref.key])))
        }
        let (stored, touched) = try outcome.get()
        forget(touched)
        return stored
    }

    /// The name of the exclusive transaction every write takes: a write recomputes the `relations` of the entities
    /// at the other end, which must see every other write's relation rows.
    static let writeLock = "catalog-entities"

    /// Makes the entities of configured locations what `entities` says, keeping each one's `metadata.uid` across
    /// restarts: new ones are added, changed ones replaced, and ones a location no longer declares removed.
    /// Entities registered through the API are kept, unless a location now declares the same ref.
    func replaceLocationEntities(_ entities: [(entity: Entity, locationKey: String)]) async throws {
        // Exclusive: replicas starting together would otherwise insert the same location entities at once.
        let changed = try await database.exclusiveTransaction(named: Self.writeLock) { db -> Bool in
            // One read of what the locations stored last time; an entity that has not changed is not rewritten,
            // so a restart with a large catalog costs a read, not a rewrite.
            let previousRows = try await db.select().columns("entity_ref", "entity_id", "source_body", "location_key")
                .from("entities").where("location_key", .isNot, SQLLiteral.null)
                .where("location_key", .notLike, SQLBind(LocationStore.registeredKeyPattern)).all()
            var previous: [String: (uid: String, body: String?, location: String)] = [:]
            for row in previousRows {
                previous[try row.decode(column: "entity_ref", as: String.self)] = (
                    try row.decode(column: "entity_id", as: String.self),
                    try row.decode(column: "source_body", as: String?.self),
                    try row.decode(column: "location_key", as: String.self)
                )
            }
            var keep = Set<String>()
            var peers = Set<String>()
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
                let source = Self.source(entity, uid: existingUID)
                if let old = previous[key], old.location == locationKey,
                    old.body == source.document.jsonText(options: .sortedKeys)
                {
                    continue
                }
                if existingUID != nil {
                    peers.formUnion(try await Self.delete(key, db))
                }
                peers.formUnion(try await Self.insert(source, locationKey: locationKey, into: db).peers)
                rewritten += 1
            }
            var changed = false
            for ref in previous.keys where !keep.contains(ref) {
                peers.formUnion(try await Self.delete(ref, db))
                changed = true
            }
            try await Self.restitch(peers, db)
            return changed || rewritten > 0
        }
        cache?.clear()
        if changed {
            // Fresh statistics after a bulk load: without them PostgreSQL guesses a handful of rows per key and
            // scans where it should look up (BENCHMARKS.md, "Durable state").
            try await database.withSession { db in
                try await db.raw("ANALYZE entities").run()
                try await db.raw("ANALYZE search").run()
                try await db.raw("ANALYZE relations").run()
            }
        }
    }

    /// The JSON encoding of the entity with this ref (case-insensitive), if any.
    func encodedEntity(_ ref: EntityRef) async throws -> ByteBuffer? {
        let key = ref.key
        let cached = cache?.lookup(key)
        if let body = cached?.body { return body }
        let body = try await database.withSession { db in
            try await db.select().column("body").from("entities").where("entity_ref", .equal, key)
                .first(decodingColumn: "body", as: String.self)
        }.map { ByteBuffer(string: $0) }
        if let body, let generation = cached?.generation {
            cache?.remember(body, for: key, readAt: generation)
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

    /// Removes the entity with this ref, and the relations its fields gave the entities at their other ends;
    /// throws `NotFoundError` if there is none, and `NotAllowedError` naming the file if it comes from
    /// `catalog.locations`: those are the operator's, and deleting one would let any caller replace it (a template
    /// other users run) with an entity of their own under the same ref.
    func remove(_ ref: EntityRef) async throws {
        let outcome = try await database.exclusiveTransaction(named: Self.writeLock) {
            db -> Result<Set<String>, any Error> in
            guard
                let row = try await db.select().columns("entity_id", "location_key").from("entities")
                    .where("entity_ref", .equal, ref.key).first()
            else { return .failure(CatalogError.entityNotFound(ref)) }
            if let file = try row.decode(column: "location_key", as: String?.self),
                !file.hasPrefix(LocationStore.registeredKeyPrefix)
            {
                return .failure(CatalogError.configuredEntity(ref, file: file))
            }
            let peers = try await Self.delete(ref.key, db)
            return .success(try await Self.restitch(peers, db).union([ref.key]))
        }
        forget(try outcome.get())
    }

    /// Recomputes the `relations` of the entity with this ref from the relation rows of both ends; throws
    /// `NotFoundError` if there is none.
    func refresh(_ ref: EntityRef) async throws {
        let touched = try await database.exclusiveTransaction(named: Self.writeLock) { db -> Set<String>? in
            guard try await Self.row(db, ref: ref) != nil else { return nil }
            return try await Self.restitch([ref.key], db)
        }
        guard let touched else { throw CatalogError.entityNotFound(ref) }
        forget(touched)
    }

    /// Drops the cached bodies of `keys` (all of them when there are many).
    func forget(_ keys: Set<String>) {
        guard let cache else { return }
        if keys.count > 100 {
            cache.clear()
        } else {
            for key in keys { cache.forget(key) }
        }
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
        if database.dialect == .postgresql {
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
        guard let matching = try await Self.matchingIDs(filter, db) else { return [] }
        var query: SQLQueryString = "SELECT e.body FROM (" + matching
        query = query + ") m CROSS JOIN entities e WHERE e.entity_id = m.entity_id ORDER BY e.entity_ref"
        if let limit { query = query + " LIMIT \(bind: limit)" }
        if offset > 0 { query = query + " OFFSET \(bind: offset)" }
        return try await db.raw(query).all(decodingColumn: "body", as: String.self)
    }

    /// The ids of the entities matching a non-empty `filter`, as one sub-select (a `UNION` of its clauses), or nil
    /// when no clause can match.
    static func matchingIDs(_ filter: EntityFilter, _ db: any SQLDatabase) async throws -> SQLQueryString? {
        var clauses: [SQLQueryString] = []
        for clause in filter.clauses {
            guard let ordered = try await Self.mostSelectiveFirst(clause.conditions, db) else { continue }
            clauses.append(Self.matches(ordered))
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
    struct Row: Decodable, Sendable {
        let uid: String
        let body: String

        enum CodingKeys: String, CodingKey {
            case uid = "entity_id"
            case body
        }
    }

    static func row(_ db: any SQLDatabase, ref: EntityRef) async throws -> Row? {
        try await db.select().columns("entity_id", "body").from("entities").where("entity_ref", .equal, ref.key)
            .first(decoding: Row.self)
    }

    /// Parses a stored body back into an entity.
    static func decode(_ body: String) throws -> Entity {
        let document = try JSONValue(parsing: body)
        return try EntityValidator.validate(document)
    }

}

/// Recently read entity bodies by lower-cased ref, for `GET /entities/by-name` on SQLite.
///
/// Measured (BENCHMARKS.md, "Durable state"): an SQLite read costs several thread wake-ups (the query runs on
/// SQLiteNIO's thread pool and resumes the request on another thread), which doubled the server CPU per by-name
/// request. An SQLite database belongs to one process, and every write to it goes through this store, which forgets
/// the entries it changes after committing; so a cached body is never stale. PostgreSQL databases are shared by
/// replicas, whose writes this process cannot see, so they are not cached.
///
/// A lock, not an actor: the lookup is on every by-name request from every event loop, and an actor busy with
/// another request's lookup makes the caller suspend and resume on another thread.
final class BodyCache: Sendable {
    /// The most bodies kept; beyond it the cache starts over (a simple bound, not an LRU).
    static let capacity = 10_000

    private struct State {
        var bodies: [String: ByteBuffer] = [:]
        /// Counts writes; a body read from the database before a write must not be remembered after it.
        var generation = 0
    }

    private let state = NIOLockedValueBox(State())

    /// The cached body of `key`, if any, and the generation to pass to ``remember(_:for:readAt:)`` after reading
    /// it from the database instead: one call, since this is on every by-name request.
    func lookup(_ key: String) -> (body: ByteBuffer?, generation: Int) {
        state.withLockedValue { ($0.bodies[key], $0.generation) }
    }

    /// Keeps `body` for `key` if no write happened since `generation` was read (before the database read).
    func remember(_ body: ByteBuffer, for key: String, readAt generation: Int) {
        state.withLockedValue { state in
            guard generation == state.generation else { return }
            if state.bodies.count >= Self.capacity { state.bodies.removeAll(keepingCapacity: true) }
            state.bodies[key] = body
        }
    }

    /// Drops `key` (after a write to it).
    func forget(_ key: String) {
        state.withLockedValue { state in
            state.generation += 1
            state.bodies[key] = nil
        }
    }

    /// Drops everything (after a bulk write).
    func clear() {
        state.withLockedValue { state in
            state.generation += 1
            state.bodies.removeAll()
        }
    }
}
