import BackendKit
import Foundation

/// The rows of one entity in the catalog's tables (``CatalogMigrations``): its `entities` row (uid, ref, body and
/// source body, location), its `search` rows and the relation rows its fields give. Writes take many entities at once
/// and run as statements of a thousand entities' rows each (``SQLDatabase/insert(into:columns:from:rows:)``), so a bulk
/// load costs a statement per few thousand rows rather than several per entity.
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
        // A first load finds the table empty: one row's read instead of one per key.
        guard !keys.isEmpty, try await db.select().column("entity_id").from("entities").limit(1).first() != nil else {
            return uids
        }
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

    /// The uid an entity is stored under: `kept` (a uid to keep across restarts), else the entity's own
    /// `metadata.uid`, else a new one.
    static func uid(of entity: Entity, keeping kept: String?) -> String {
        kept ?? entity.document["metadata"]?["uid"]?.stringValue ?? UUID.randomLowercased()
    }

    /// `entity` as it is kept in `source_body`: `metadata.uid` set to `uid` (``uid(of:keeping:)``) and any
    /// `relations` it was given dropped, since the catalog computes them.
    static func source(_ entity: Entity, uid: String) -> Entity {
        guard case .object(var members) = entity.document, var metadata = members["metadata"]?.objectValue else {
            return entity
        }
        metadata["uid"] = .string(uid)
        members["metadata"] = .object(metadata)
        members["relations"] = nil
        return Entity(document: .object(members), ref: entity.ref)
    }

    /// An entity to insert: as given (its ``source(_:uid:)`` is made while its row is built), the uid it is stored
    /// under, and the `location_key` to record.
    struct Write: Sendable {
        let entity: Entity
        let uid: String
        let locationKey: String?
    }

    /// Inserts `writes` (distinct refs, none of them stored) with their relation rows, final bodies and `search` rows;
    /// returns the entities as stored, in order, and the refs of the other entities their relations name (to
    /// restitch).
    ///
    /// Each entity's source and stitched bodies are made by the tasks that build the `entities` statements, on every
    /// core while the statements before them run, not all before the first one: on a first load of 100,000 entities
    /// the database had waited a second for them (BENCHMARKS.md, "Bulk loads"). `dialect` is `db`'s: whether a large
    /// write rebuilds the indexes depends on the engine (``BulkWriteIndexes``).
    static func insert(
        _ writes: [Write], into db: any SQLDatabase, dialect: Dialect
    ) async throws -> (stored: [Entity], peers: Set<String>) {
        guard !writes.isEmpty else { return ([], []) }
        // A source body gives the relations its entity does: they come from `spec` and the ref alone.
        let emitted = await writes.concurrentMap { EntityRelation.emitted(by: $0.entity) }
        let (relations, peers) = try await RelationStitcher.relations(
            of: writes.map(\.entity.ref.key), emitted: emitted, db)
        // In uid order: the indexes that lead with the uid (the primary key, `search`'s and the relations' own) then
        // grow at their end instead of at random places, which on a large load is most of the engine's work.
        let uids = writes.map(\.uid)
        let order = uids.indices.sorted { uids[$0] < uids[$1] }
        @Sendable func bodies(_ index: Int) -> (source: Entity, stored: Entity) {
            let source = Self.source(writes[index].entity, uid: writes[index].uid)
            return (source, RelationStitcher.withRelations(source, EntityRelation.array(relations[index])))
        }
        let made = NIOLockedValueBox([Entity?](repeating: nil, count: writes.count))
        let columns = ["entity_id", "entity_ref", "kind", "namespace", "name", "body", "source_body", "location_key"]
        try await db.insert(into: "entities", columns: columns, from: order) { index in
            let (source, stored) = bodies(index)
            made.withLockedValue { $0[index] = stored }
            let write = writes[index]
            let ref = write.entity.ref
            return [
                [
                    .string(write.uid), .string(ref.key), .string(ref.kind), .string(ref.namespace), .string(ref.name),
                    .string(stored.document.jsonText(options: .sortedKeys)),
                    .string(source.document.jsonText(options: .sortedKeys)),
                    write.locationKey.map(JSONValue.string) ?? .null,
                ]
            ]
        }
        // The insert built every element's row (or threw), so every body is there; one missing would be made again.
        let stored = made.withLockedValue { made in writes.indices.map { made[$0] ?? bodies($0).stored } }
        try await BulkWriteIndexes.rebuilding(["search", "relations"], db, dialect: dialect, when: writes.count) {
            try await insertSearchRows(of: order.map { (uids[$0], stored[$0]) }, db)
            // After the entities: a relation row references the entity whose field gave it.
            try await insertRelationRows(order.map { (uids[$0], emitted[$0]) }, db)
        }
        return (stored, peers)
    }

    /// Inserts the relation rows of each `(uid, relations)` pair, `uid` being the entity whose fields gave them.
    static func insertRelationRows(
        _ rows: [(uid: String, relations: [EntityRelation])], _ db: any SQLDatabase
    ) async throws {
        let columns = ["originating_entity_id", "source_entity_ref", "type", "target_entity_ref"]
        try await db.insert(into: "relations", columns: columns, from: rows) { uid, relations in
            relations.map { [.string(uid), .string($0.source), .string($0.type), .string($0.target)] }
        }
    }

    /// Inserts the `search` rows (flattened by ``EntitySearchFields``) of each `(uid, entity)` pair.
    static func insertSearchRows(of entities: [(uid: String, entity: Entity)], _ db: any SQLDatabase) async throws {
        try await db.insert(into: "search", columns: ["entity_id", "key", "value", "original_value"], from: entities) {
            uid, entity in
            EntitySearchFields(entity).rows.map { row -> [JSONValue] in
                [
                    .string(uid), .string(row.key), row.value.map(JSONValue.string) ?? .null,
                    row.original.map(JSONValue.string) ?? .null,
                ]
            }
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

extension Array where Element: Sendable {
    /// `map(transform)`, with the elements cut into one part per core and the parts mapped at once.
    ///
    /// For the per-entity work of a bulk load (source bodies, relation rows, stitched bodies): on the 2-core machine
    /// of BENCHMARKS.md it halves what was one core's work. A short array is mapped in place.
    func concurrentMap<T: Sendable>(_ transform: @escaping @Sendable (Element) -> T) async -> [T] {
        let lanes = ProcessInfo.processInfo.activeProcessorCount
        guard lanes > 1, count >= 1_000 else { return map(transform) }
        let parts = batches(of: (count + lanes - 1) / lanes)
        return await withTaskGroup(of: (Int, [T]).self) { mapping in
            for (index, part) in parts.enumerated() {
                mapping.addTask { (index, part.map(transform)) }
            }
            var mapped = [[T]](repeating: [], count: parts.count)
            for await (index, part) in mapping { mapped[index] = part }
            return mapped.flatMap { $0 }
        }
    }
}
