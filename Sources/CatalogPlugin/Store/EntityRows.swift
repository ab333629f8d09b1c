import BackendKit
import Foundation

/// The rows of one entity in the catalog's tables (``CatalogMigrations``): its `entities` row (uid, ref, body and
/// source body, location), its `search` rows and the relation rows its fields give. Writes take many entities at once
/// and run as few statements as the engine's bind-parameter limit allows (``SQLDatabase/insert(into:columns:rows:values:)``),
/// so a bulk load costs a statement per few thousand rows rather than several per entity.
///
/// Every function runs on the `db` of the caller's transaction: the caller decides what is atomic.
enum EntityRows {
    /// The uid and body of a row of `entities` (the body carries the rest).
    struct Row: Decodable, Sendable {
        let uid: String
        let body: String

        enum CodingKeys: String, CodingKey {
            case uid = "entity_id"
            case body
        }
    }

    /// What a location stored for an entity last time: its uid, source body and location.
    typealias LocationRow = (uid: String, sourceBody: String?, locationKey: String)

    /// The row of the entity with this ref (case-insensitive), if any.
    static func row(_ db: any SQLDatabase, ref: EntityRef) async throws -> Row? {
        try await db.select().columns("entity_id", "body").from("entities").where("entity_ref", .equal, ref.key)
            .first(decoding: Row.self)
    }

    /// The uids of the stored entities among `keys` (lower-cased refs), by key.
    static func uids(of keys: some Collection<String>, _ db: any SQLDatabase) async throws -> [String: String] {
        var uids: [String: String] = [:]
        for batch in db.batches(of: keys, bindsPerItem: 1) {
            let rows = try await db.select().columns("entity_ref", "entity_id").from("entities")
                .where("entity_ref", .in, Array(batch)).all()
            for row in rows {
                uids[try row.decode(column: "entity_ref", as: String.self)] = try row.decode(
                    column: "entity_id", as: String.self)
            }
        }
        return uids
    }

    /// The entities of `catalog.locations` (not those of registered locations or the API), by key: one read of what
    /// the locations stored last time.
    static func configuredLocationRows(_ db: any SQLDatabase) async throws -> [String: LocationRow] {
        let rows = try await db.select().columns("entity_ref", "entity_id", "source_body", "location_key")
            .from("entities").where("location_key", .isNot, SQLLiteral.null)
            .where("location_key", .notLike, SQLBind(LocationStore.registeredKeyPattern)).all()
        var previous: [String: LocationRow] = [:]
        for row in rows {
            previous[try row.decode(column: "entity_ref", as: String.self)] = (
                try row.decode(column: "entity_id", as: String.self),
                try row.decode(column: "source_body", as: String?.self),
                try row.decode(column: "location_key", as: String.self)
            )
        }
        return previous
    }

    /// `entity` as it is kept in `source_body`: `metadata.uid` set (`uid` when given, kept across restarts; the
    /// entity's own; or a new one) and any `relations` it was given dropped, since the catalog computes them.
    static func source(_ entity: Entity, uid: String?) -> Entity {
        guard case .object(var members) = entity.document, var metadata = members["metadata"]?.objectValue else {
            return entity
        }
        if let uid {
            metadata["uid"] = .string(uid)
        } else if metadata["uid"]?.stringValue == nil {
            metadata["uid"] = .string(UUID().uuidString.lowercased())
        }
        members["metadata"] = .object(metadata)
        members["relations"] = nil
        return Entity(document: .object(members), ref: entity.ref)
    }

    /// Inserts `entities` (each a ``source(_:uid:)`` with the `location_key` to record, distinct refs none of which
    /// is stored) with their relation rows, final bodies and `search` rows; returns the entities as stored, in order,
    /// and the refs of the other entities their relations name (to restitch).
    ///
    /// `onSQLite` says whether `db` is SQLite, where a large write rebuilds the indexes
    /// (``rebuildingIndexes(of:_:when:_:)``).
    static func insert(
        _ entities: [(source: Entity, locationKey: String?)], into db: any SQLDatabase, onSQLite: Bool
    ) async throws -> (stored: [Entity], peers: Set<String>) {
        guard !entities.isEmpty else { return ([], []) }
        let sources = entities.map(\.source)
        let emitted = sources.map { EntityRelation.emitted(by: $0) }
        let (stored, peers) = try await RelationStitcher.stitch(sources, emitted: emitted, db)
        let uids = sources.map { $0.document["metadata"]?["uid"]?.stringValue ?? UUID().uuidString.lowercased() }
        // In uid order: the indexes that lead with the uid (the primary key, `search`'s and the relations' own) then
        // grow at their end instead of at random places, which on a large load is most of the engine's work.
        let order = entities.indices.sorted { uids[$0] < uids[$1] }
        let columns = ["entity_id", "entity_ref", "kind", "namespace", "name", "body", "source_body", "location_key"]
        try await db.insert(into: "entities", columns: columns, rows: order) { index in
            let ref = sources[index].ref
            return [
                uids[index], ref.key, ref.kind, ref.namespace, ref.name,
                stored[index].document.jsonText(options: .sortedKeys),
                sources[index].document.jsonText(options: .sortedKeys), entities[index].locationKey,
            ]
        }
        let rebuild = onSQLite ? entities.count : 0
        try await rebuildingIndexes(of: ["search", "relations"], db, when: rebuild) {
            try await insertSearchRows(of: order.lazy.map { (uids[$0], stored[$0]) }, db)
            // After the entities: a relation row references the entity whose field gave it.
            try await insertRelationRows(order.lazy.map { (uids[$0], emitted[$0]) }, db)
        }
        return (stored, peers)
    }

    /// Entities written at once from which, on SQLite, ``rebuildingIndexes(of:_:when:_:)`` rebuilds the indexes
    /// rather than growing them, when the catalog holds no more entities than that before.
    static let indexRebuildThreshold = 10_000

    /// Runs `body`, a bulk write of `count` entities' rows to `tables` of an SQLite `db`; when `count` reaches
    /// ``indexRebuildThreshold`` and the catalog held at most as many entities before, with the tables' indexes
    /// dropped first and created again afterwards, exactly as the database defined them.
    ///
    /// Measured (BENCHMARKS.md, "Bulk loads"): the rows of 100,000 entities reach the `(key, value, entity_id)` index
    /// of `search` in random order, and growing it entry by entry took twice as long as inserting without it and
    /// building it once, by sorting. Only on SQLite: its database belongs to one process, whose sessions run one at a
    /// time, so no reader can see the tables without their indexes; PostgreSQL would lock every replica's readers out
    /// of them until the load commits. The drop and the creation are in the caller's transaction: all or nothing.
    static func rebuildingIndexes(
        of tables: [String], _ db: any SQLDatabase, when count: Int, _ body: () async throws -> Void
    ) async throws {
        guard count >= indexRebuildThreshold,
            let stored = try await db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
                .from("entities").first(decodingColumn: "n", as: Int.self),
            // The count includes the entities just written.
            stored <= 2 * count
        else { return try await body() }
        // `sql` is NULL for the indexes a constraint implies; those stay.
        let indexes = try await db.select().columns("name", "sql").from("sqlite_master")
            .where("type", .equal, "index").where("tbl_name", .in, tables).where("sql", .isNot, SQLLiteral.null)
            .orderBy("name").all()
            .map {
                (
                    name: try $0.decode(column: "name", as: String.self),
                    sql: try $0.decode(column: "sql", as: String.self)
                )
            }
        for index in indexes {
            try await db.drop(index: index.name).run()
        }
        try await body()
        for index in indexes {
            try await db.execute(sql: SQLRaw(index.sql)) { _ in }
        }
    }

    /// Inserts the relation rows of each `(uid, relations)` pair, `uid` being the entity whose fields gave them.
    static func insertRelationRows(
        _ rows: some Sequence<(String, [EntityRelation])>, _ db: any SQLDatabase
    ) async throws {
        let columns = ["originating_entity_id", "source_entity_ref", "type", "target_entity_ref"]
        let flattened = rows.lazy.flatMap { uid, relations in relations.lazy.map { (uid, $0) } }
        try await db.insert(into: "relations", columns: columns, rows: flattened) { uid, relation in
            [uid, relation.source, relation.type, relation.target]
        }
    }

    /// Inserts the `search` rows (flattened by ``EntitySearchFields``) of each `(uid, entity)` pair.
    static func insertSearchRows(of entities: some Sequence<(String, Entity)>, _ db: any SQLDatabase) async throws {
        let rows = entities.lazy.flatMap { uid, entity in EntitySearchFields(entity).rows.lazy.map { (uid, $0) } }
        try await db.insert(into: "search", columns: ["entity_id", "key", "value", "original_value"], rows: rows) {
            uid, row in [uid, row.key, row.value, row.original]
        }
    }

    /// Deletes the entities whose lower-cased refs are `keys` (their `search` and relation rows go with them, ON
    /// DELETE CASCADE); returns the refs of the other entities their relations named (to restitch), which may
    /// include refs among `keys` when one named another.
    static func delete(_ keys: some Collection<String>, _ db: any SQLDatabase) async throws -> Set<String> {
        var peers = Set<String>()
        for batch in db.batches(of: keys, bindsPerItem: 1) {
            let batch = Array(batch)
            let named = try await db.raw(
                """
                SELECT DISTINCT r.source_entity_ref AS ref FROM entities e CROSS JOIN relations r
                WHERE e.entity_ref IN (\(binds: batch)) AND r.originating_entity_id = e.entity_id
                AND r.source_entity_ref <> e.entity_ref
                """
            ).all(decodingColumn: "ref", as: String.self)
            peers.formUnion(named)
            try await db.delete(from: "entities").where("entity_ref", .in, batch).run()
        }
        return peers
    }
}
