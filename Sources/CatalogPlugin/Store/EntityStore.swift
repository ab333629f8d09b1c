import BackendKit
import Foundation

/// The catalog's entities in the plugin's database: unique by case-insensitive ref, listed in ref order so that
/// `offset`/`limit` paging is stable, filtered through the `search` index (``CatalogMigrations``).
///
/// Every method is one transaction or one query, so any number of processes can share the database. The store
/// decides what is atomic and what the cache forgets; the rows are written by ``EntityRows``, relations kept by
/// ``RelationStitcher``, and reads planned by ``EntityQueryPlanner`` and ``EntityQueryPage``.
struct EntityStore: Sendable {
    /// The plugin's database.
    let database: PluginDatabase
    /// Entity bodies by ref, on SQLite only (see ``BodyCache``).
    let cache: BodyCache?

    /// A store in `database`.
    init(database: PluginDatabase) {
        self.database = database
        self.cache = database.dialect == .sqlite ? BodyCache() : nil
    }

    /// The name of the exclusive transaction every write takes: a write recomputes the `relations` of the entities
    /// at the other end, which must see every other write's relation rows.
    static let writeLock = "catalog-entities"

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
        let uid = EntityRows.uid(of: entity, keeping: nil)
        let outcome = try await database.exclusiveTransaction(named: Self.writeLock) {
            db -> Result<(Entity, Set<String>), ConflictError> in
            guard try await EntityRows.row(db, ref: entity.ref) == nil else {
                return .failure(CatalogError.entityExists(entity.ref))
            }
            let sameUID = try await db.select().column("entity_id").from("entities").where("entity_id", .equal, uid)
                .first()
            guard sameUID == nil else { return .failure(ConflictError("An entity with uid '\(uid)' already exists")) }
            let inserted = try await EntityRows.insert(
                [EntityRows.Write(entity: entity, uid: uid, locationKey: nil)], into: db, dialect: database.dialect)
            let touched = try await RelationStitcher.restitch(inserted.peers, db)
            return .success((inserted.stored[0], touched.union([entity.ref.key])))
        }
        let (stored, touched) = try outcome.get()
        forget(touched)
        return stored
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
            let peers = try await EntityRows.delete([ref.key], db)
            return .success(try await RelationStitcher.restitch(peers, db).union([ref.key]))
        }
        forget(try outcome.get())
    }

    /// Recomputes the `relations` of the entity with this ref from the relation rows of both ends; throws
    /// `NotFoundError` if there is none.
    func refresh(_ ref: EntityRef) async throws {
        let touched = try await database.exclusiveTransaction(named: Self.writeLock) { db -> Set<String>? in
            guard try await EntityRows.row(db, ref: ref) != nil else { return nil }
            return try await RelationStitcher.restitch([ref.key], db)
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
        try await database.withSession { db in try await EntityRows.row(db, ref: ref) }.map { try Self.decode($0.body) }
    }

    /// The entity whose `metadata.uid` is `uid`, if any.
    func entity(uid: String) async throws -> Entity? {
        let row = try await database.withSession { db in
            try await db.select().columns("entity_id", "body").from("entities").where("entity_id", .equal, uid)
                .first(decoding: EntityRows.Row.self)
        }
        return try row.map { try Self.decode($0.body) }
    }

    /// Parses a stored body back into an entity.
    static func decode(_ body: String) throws -> Entity {
        let document = try JSONValue(parsing: body)
        return try EntityValidator.validate(document)
    }
}
