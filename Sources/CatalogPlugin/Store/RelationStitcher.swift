import BackendKit

/// Relations as Backstage's stitcher keeps them: each entity's fields give relation rows in both directions
/// (``EntityRelation/emitted(by:)``), owned by that entity; an entity's stored body carries the `relations` array of
/// every row whose source it is, whichever entity gave the row. A write recomputes ("restitches") the bodies and
/// `search` rows of the entities at the other ends of the relations it adds or removes, so both ends stay right
/// whichever is added, changed or removed first.
enum RelationStitcher {
    /// `entity` with its `relations` array replaced.
    static func withRelations(_ entity: Entity, _ relations: JSONValue) -> Entity {
        guard case .object(var members) = entity.document else { return entity }
        members["relations"] = relations
        return Entity(document: .object(members), ref: entity.ref)
    }

    /// The relation rows whose source is each of `keys` (the refs of entities about to be inserted together,
    /// distinct; `emitted` the rows each one's fields give), in the order of `keys`: the stored rows whose source
    /// they are and the rows any of them emits. Also the refs of the other entities whose arrays the new rows change
    /// (to restitch after inserting).
    ///
    /// The same arrays as inserting the entities one by one and restitching each one a later one names: an entity's
    /// array depends only on the rows whose source it is, not on the order in which they were written.
    static func relations(
        of keys: [String], emitted: [[EntityRelation]], _ db: any SQLDatabase
    ) async throws -> (relations: [[(type: String, target: String)]], peers: Set<String>) {
        var position = [String: Int](minimumCapacity: keys.count)
        for (index, key) in keys.enumerated() { position[key] = index }
        var relations = [[(type: String, target: String)]](repeating: [], count: keys.count)
        for (key, rows) in try await relationRows(of: keys, db) {
            if let index = position[key] { relations[index] = rows }
        }
        var peers = Set<String>()
        for relation in emitted.joined() {
            if let index = position[relation.source] {
                relations[index].append((relation.type, relation.target))
            } else {
                peers.insert(relation.source)
            }
        }
        return (relations, peers)
    }

    /// Recomputes the `relations` array of each entity in `keys` that exists from the relation rows whose source it
    /// is, rewriting its body and `search` rows when the array changed; returns the refs rewritten.
    @discardableResult
    static func restitch(_ keys: Set<String>, _ db: any SQLDatabase) async throws -> Set<String> {
        var changed: [(key: String, uid: String, stored: Entity)] = []
        for batch in db.batches(of: keys.sorted(), bindsPerItem: 1) {
            let rows = try await db.select().columns("entity_ref", "entity_id", "body").from("entities")
                .where("entity_ref", .in, Array(batch)).all()
            var found: [(key: String, row: EntityRows.Row)] = []
            for row in rows {
                let key = try row.decode(column: "entity_ref", as: String.self)
                found.append((key, try row.decode(model: EntityRows.Row.self)))
            }
            let relations = try await relationRows(of: Set(found.map(\.key)), db)
            for (key, row) in found.sorted(by: { $0.key < $1.key }) {
                let entity = try EntityStore.decode(row.body)
                let array = EntityRelation.array(relations[key] ?? [])
                if entity.document["relations"] == array { continue }
                changed.append((key, row.uid, withRelations(entity, array)))
            }
        }
        for entity in changed {
            try await db.update("entities")
                .set("body", to: SQLBind(entity.stored.document.jsonText(options: .sortedKeys)))
                .where("entity_id", .equal, entity.uid).run()
        }
        for batch in db.batches(of: changed.map(\.uid), bindsPerItem: 1) {
            try await db.delete(from: "search").where("entity_id", .in, Array(batch)).run()
        }
        try await EntityRows.insertSearchRows(of: changed.map { ($0.uid, $0.stored) }, db)
        return Set(changed.map(\.key))
    }

    /// Rebuilds every stored entity from its body: source body, relation rows, final body and `search` rows (the
    /// migration that introduced relations runs it once).
    static func rebuildAll(_ db: any SQLDatabase) async throws {
        let rows = try await db.select().columns("entity_id", "body").from("entities")
            .all(decoding: EntityRows.Row.self)
        var emitted: [(uid: String, relations: [EntityRelation])] = []
        for row in rows {
            let source = EntityRows.source(try EntityStore.decode(row.body), uid: row.uid)
            try await db.update("entities")
                .set("source_body", to: SQLBind(source.document.jsonText(options: .sortedKeys)))
                .set("body", to: SQLBind(source.document.jsonText(options: .sortedKeys)))
                .where("entity_id", .equal, row.uid).run()
            emitted.append((row.uid, EntityRelation.emitted(by: source)))
        }
        try await EntityRows.insertRelationRows(emitted, db)
        let keys = try await db.select().column("entity_ref").from("entities")
            .all(decodingColumn: "entity_ref", as: String.self)
        try await restitch(Set(keys), db)
    }

    /// The `(type, target)` of every relation row whose source is one of `keys`, by source.
    static func relationRows(
        of keys: some Collection<String>, _ db: any SQLDatabase
    ) async throws -> [String: [(type: String, target: String)]] {
        var rows: [String: [(type: String, target: String)]] = [:]
        // A first load finds the table empty: one row's read instead of one per key.
        guard !keys.isEmpty, try await db.select().column("type").from("relations").limit(1).first() != nil else {
            return rows
        }
        for batch in db.batches(of: keys, bindsPerItem: 1) {
            let found = try await db.select().columns("source_entity_ref", "type", "target_entity_ref")
                .from("relations").where("source_entity_ref", .in, Array(batch)).all()
            for row in found {
                rows[try row.decode(column: "source_entity_ref", as: String.self), default: []].append(
                    (
                        try row.decode(column: "type", as: String.self),
                        try row.decode(column: "target_entity_ref", as: String.self)
                    ))
            }
        }
        return rows
    }
}
