import BackendKit
import Foundation

/// Writing entities with their relations, as Backstage's stitcher does: each entity's fields give relation rows in
/// both directions (``EntityRelation/emitted(by:)``), owned by that entity; an entity's stored body carries the
/// `relations` array of every row whose source it is. A write recomputes ("restitches") the bodies and `search` rows
/// of the entities at the other ends of the relations it adds or removes, so both ends stay right whichever is
/// added, changed or removed first.
extension EntityStore {
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

    /// `entity` with its `relations` array replaced.
    static func withRelations(_ entity: Entity, _ relations: JSONValue) -> Entity {
        guard case .object(var members) = entity.document else { return entity }
        members["relations"] = relations
        return Entity(document: .object(members), ref: entity.ref)
    }

    /// Inserts `source` (see ``source(_:uid:)``) with its relation rows, its final body and its `search` rows;
    /// returns the entity as stored and the refs of the other entities its relations name (to restitch).
    static func insert(
        _ source: Entity, locationKey: String?, into db: any SQLDatabase
    ) async throws -> (stored: Entity, peers: Set<String>) {
        let uid = source.document["metadata"]?["uid"]?.stringValue ?? UUID().uuidString.lowercased()
        let key = source.ref.key
        let emitted = EntityRelation.emitted(by: source)
        // Rows other entities' fields gave this one (their other ends), and its own outgoing ones.
        let incoming = try await relationRows(of: key, db)
        let own = emitted.filter { $0.source == key }.map { (type: $0.type, target: $0.target) }
        let stored = withRelations(source, EntityRelation.array(incoming + own))
        try await db.insert(into: "entities")
            .columns("entity_id", "entity_ref", "kind", "namespace", "name", "body", "source_body", "location_key")
            .values(
                SQLBind(uid), SQLBind(key), SQLBind(source.ref.kind), SQLBind(source.ref.namespace),
                SQLBind(source.ref.name), SQLBind(stored.document.jsonText(options: .sortedKeys)),
                SQLBind(source.document.jsonText(options: .sortedKeys)), SQLBind(locationKey)
            )
            .run()
        try await insertSearchRows(of: stored, uid: uid, db)
        for start in stride(from: 0, to: emitted.count, by: 200) {
            var insert = db.insert(into: "relations")
                .columns("originating_entity_id", "source_entity_ref", "type", "target_entity_ref")
            for relation in emitted[start..<min(start + 200, emitted.count)] {
                insert = insert.values(
                    SQLBind(uid), SQLBind(relation.source), SQLBind(relation.type), SQLBind(relation.target))
            }
            try await insert.run()
        }
        return (stored, Set(emitted.map(\.source)).subtracting([key]))
    }

    /// Deletes the entity whose lower-cased ref is `key` (its `search` and relation rows go with it, ON DELETE
    /// CASCADE); returns the refs of the other entities its relations named (to restitch).
    static func delete(_ key: String, _ db: any SQLDatabase) async throws -> Set<String> {
        let peers = try await db.raw(
            """
            SELECT DISTINCT r.source_entity_ref AS ref FROM entities e CROSS JOIN relations r
            WHERE e.entity_ref = \(bind: key) AND r.originating_entity_id = e.entity_id
            AND r.source_entity_ref <> \(bind: key)
            """
        ).all(decodingColumn: "ref", as: String.self)
        try await db.delete(from: "entities").where("entity_ref", .equal, key).run()
        return Set(peers)
    }

    /// Recomputes the `relations` array of each entity in `keys` that exists from the relation rows whose source it
    /// is, rewriting its body and `search` rows when the array changed; returns the refs rewritten.
    @discardableResult
    static func restitch(_ keys: Set<String>, _ db: any SQLDatabase) async throws -> Set<String> {
        var rewritten = Set<String>()
        for key in keys.sorted() {
            guard
                let row = try await db.select().columns("entity_id", "body").from("entities")
                    .where("entity_ref", .equal, key).first(decoding: Row.self)
            else { continue }
            let entity = try decode(row.body)
            let relations = EntityRelation.array(try await relationRows(of: key, db))
            if entity.document["relations"] == relations { continue }
            let stored = withRelations(entity, relations)
            try await db.update("entities").set("body", to: SQLBind(stored.document.jsonText(options: .sortedKeys)))
                .where("entity_id", .equal, row.uid).run()
            try await db.delete(from: "search").where("entity_id", .equal, row.uid).run()
            try await insertSearchRows(of: stored, uid: row.uid, db)
            rewritten.insert(key)
        }
        return rewritten
    }

    /// Rebuilds every stored entity from its body: source body, relation rows, final body and `search` rows (the
    /// migration that introduced relations runs it once).
    static func rebuildAll(_ db: any SQLDatabase) async throws {
        let rows = try await db.select().columns("entity_id", "body").from("entities").all(decoding: Row.self)
        for row in rows {
            let source = source(try decode(row.body), uid: row.uid)
            try await db.update("entities")
                .set("source_body", to: SQLBind(source.document.jsonText(options: .sortedKeys)))
                .set("body", to: SQLBind(source.document.jsonText(options: .sortedKeys)))
                .where("entity_id", .equal, row.uid).run()
            for relation in EntityRelation.emitted(by: source) {
                try await db.insert(into: "relations")
                    .columns("originating_entity_id", "source_entity_ref", "type", "target_entity_ref")
                    .values(
                        SQLBind(row.uid), SQLBind(relation.source), SQLBind(relation.type), SQLBind(relation.target)
                    )
                    .run()
            }
        }
        let keys = try await db.select().column("entity_ref").from("entities")
            .all(decodingColumn: "entity_ref", as: String.self)
        try await restitch(Set(keys), db)
    }

    /// The `(type, target)` of every relation row whose source is `key`.
    static func relationRows(of key: String, _ db: any SQLDatabase) async throws -> [(type: String, target: String)] {
        try await db.select().columns("type", "target_entity_ref").from("relations")
            .where("source_entity_ref", .equal, key).all()
            .map {
                (
                    try $0.decode(column: "type", as: String.self),
                    try $0.decode(column: "target_entity_ref", as: String.self)
                )
            }
    }

    /// Inserts the `search` rows of `entity` (flattened by ``EntitySearchFields``).
    static func insertSearchRows(of entity: Entity, uid: String, _ db: any SQLDatabase) async throws {
        let rows = EntitySearchFields(entity).rows
        // Batches keep each statement well under SQLite's and PostgreSQL's bind-parameter limits.
        for start in stride(from: 0, to: rows.count, by: 200) {
            var insert = db.insert(into: "search").columns("entity_id", "key", "value", "original_value")
            for row in rows[start..<min(start + 200, rows.count)] {
                insert = insert.values(SQLBind(uid), SQLBind(row.key), SQLBind(row.value), SQLBind(row.original))
            }
            try await insert.run()
        }
    }
}
