import BackendDatabase
import BackendJSON
import BackendKit
import BackendRuntime
import BackendTestSupport
import Foundation
import Testing

@testable import CatalogPlugin

/// A bulk load (many entities in few statements) stores exactly what adding the same entities one at a
/// time stores: the same bodies with the same `relations` on both ends, the same `search` rows and relation rows.
@Suite("Catalog bulk loads")
struct BulkLoadTests {
    /// Groups declared both before and after the components they own, components that are parts of and depend on
    /// each other (forward and backward references), and one ref written in another case than its references.
    private func catalog() throws -> [Entity] {
        func validated(_ document: JSONValue) throws -> Entity { try EntityValidator.validate(document) }
        var entities: [Entity] = []
        func group(_ index: Int) throws -> Entity {
            try validated(
                .object([
                    "apiVersion": "backstage.io/v1alpha1", "kind": "Group",
                    "metadata": .object(["name": .string(index == 3 ? "Team-3" : "team-\(index)")]),
                    "spec": .object(["type": "team", "children": []]),
                ]))
        }
        for index in 0..<10 { entities.append(try group(index)) }
        for index in 0..<1_200 {
            var spec: JSONObject = [
                "type": "service", "lifecycle": "production", "owner": .string("team-\(index % 20)"),
                "dependsOn": .array([.string("component:c-\((index * 7 + 3) % 1_200)")]),
            ]
            if index > 0 { spec["subcomponentOf"] = .string("c-\(index / 2)") }
            entities.append(
                try validated(
                    .object([
                        "apiVersion": "backstage.io/v1alpha1", "kind": "Component",
                        "metadata": .object([
                            "name": .string("c-\(index)"), "tags": .array([.string("tier-\(index % 3)"), "generated"]),
                        ]),
                        "spec": .object(spec),
                    ])))
        }
        for index in 10..<20 { entities.append(try group(index)) }
        return entities
    }

    /// Everything stored about the entities, by ref rather than uid: bodies without `metadata.uid`, `search` rows
    /// other than the uid's, and relation rows with the ref of the entity that gave them.
    private func snapshot(_ database: PluginDatabase) async throws -> [String] {
        try await database.withSession { db in
            var lines: [String] = []
            for row in try await db.raw("SELECT entity_ref, body, location_key FROM entities ORDER BY entity_ref").all()
            {
                var entity = try EntityStore.decode(try row.decode(column: "body", as: String.self)).document
                if case .object(var members) = entity, case .object(var metadata)? = members["metadata"] {
                    metadata["uid"] = nil
                    members["metadata"] = .object(metadata)
                    entity = .object(members)
                }
                lines.append(
                    "entity \(try row.decode(column: "entity_ref", as: String.self)) \(entity.jsonText(options: .sortedKeys))"
                )
            }
            let search = try await db.raw(
                """
                SELECT e.entity_ref AS ref, s.key AS key, s.value AS value, s.original_value AS original
                FROM search s JOIN entities e ON e.entity_id = s.entity_id WHERE s.key <> 'metadata.uid'
                """
            ).all()
            lines += try search.map {
                "search \(try $0.decode(column: "ref", as: String.self)) \(try $0.decode(column: "key", as: String.self))"
                    + " \(try $0.decode(column: "value", as: String?.self) ?? "-")"
                    + " \(try $0.decode(column: "original", as: String?.self) ?? "-")"
            }.sorted()
            let relations = try await db.raw(
                """
                SELECT e.entity_ref AS origin, r.source_entity_ref AS source, r.type AS type, r.target_entity_ref AS target
                FROM relations r JOIN entities e ON e.entity_id = r.originating_entity_id
                """
            ).all()
            lines += try relations.map {
                "relation \(try $0.decode(column: "origin", as: String.self))"
                    + " \(try $0.decode(column: "source", as: String.self)) \(try $0.decode(column: "type", as: String.self))"
                    + " \(try $0.decode(column: "target", as: String.self))"
            }.sorted()
            return lines
        }
    }

    /// The first few lines only one of `a` and `b` has, each marked with the side that has it.
    private func difference(_ a: [String], _ b: [String]) -> [String] {
        let (left, right) = (Set(a), Set(b))
        let onlyA = a.filter { !right.contains($0) }.map { "- " + $0 }
        let onlyB = b.filter { !left.contains($0) }.map { "+ " + $0 }
        return Array((onlyA + onlyB).prefix(4)) + (a.count == b.count ? [] : ["\(a.count) lines against \(b.count)"])
    }

    @Test("a location load stores what adding its entities one at a time stores", arguments: Engine.allCases)
    func bulkLoadMatchesOneByOne(_ engine: Engine) async throws {
        let entities = try catalog()
        let loaded = try await TestDatabases.with(engine, pluginId: "catalog") { database, _ in
            let store = EntityStore(database: database)
            try await store.migrate()
            try await store.replaceLocationEntities(entities.map { ($0, "catalog.yaml") })
            let first = try await snapshot(database)
            let uids = try await database.withSession { db in
                try await db.raw("SELECT entity_id FROM entities ORDER BY entity_ref").all(
                    decodingColumn: "entity_id", as: String.self)
            }
            // A restart with the same locations rewrites nothing: same uids, same rows.
            try await store.replaceLocationEntities(entities.map { ($0, "catalog.yaml") })
            #expect(difference(try await snapshot(database), first).isEmpty)
            let uidsAgain = try await database.withSession { db in
                try await db.raw("SELECT entity_id FROM entities ORDER BY entity_ref").all(
                    decodingColumn: "entity_id", as: String.self)
            }
            #expect(uidsAgain == uids)
            let owned = try await store.entity(EntityRef(kind: "group", namespace: "default", name: "team-13"))
            #expect(owned?.document["relations"]?.arrayValue?.count == 60)
            return first
        }
        let added = try await TestDatabases.with(engine, pluginId: "catalog") { database, _ in
            let store = EntityStore(database: database)
            try await store.migrate()
            let registered = try await store.addLocationEntities(entities, locationKey: "catalog.yaml")
            #expect(registered.count == entities.count)
            return try await snapshot(database)
        }
        let oneByOne = try await TestDatabases.with(engine, pluginId: "catalog") { database, _ in
            let store = EntityStore(database: database)
            try await store.migrate()
            for entity in entities { try await store.add(entity) }
            try await database.withSession { db in
                try await db.raw("UPDATE entities SET location_key = 'catalog.yaml'").run()
            }
            return try await snapshot(database)
        }
        #expect(loaded.count > 20_000)
        #expect(difference(loaded, oneByOne).isEmpty)
        #expect(difference(added, oneByOne).isEmpty)
    }

    /// The indexes of `search` and `relations` as the database defines them.
    /// The bodies are only ever read back whole, so PostgreSQL's ANALYZE, which runs after every load, skips them;
    /// the columns queries filter on keep their statistics.
    @Test("PostgreSQL gathers statistics for the columns queries filter on, not for the bodies")
    func noStatisticsForBodies() async throws {
        try await TestDatabases.with(.postgres, pluginId: "catalog") { database, _ in
            let store = EntityStore(database: database)
            try await store.migrate()
            try await store.replaceLocationEntities(try catalog().map { ($0, "catalog.yaml") })
            let analyzed = try await database.withSession { db in
                try await db.raw(
                    "SELECT attname FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'entities' ORDER BY 1"
                ).all(decodingColumn: "attname", as: String.self)
            }
            #expect(analyzed == ["entity_id", "entity_ref", "kind", "location_key", "name", "namespace"])
        }
    }

    private func indexDefinitions(_ database: PluginDatabase) async throws -> [String] {
        try await database.withSession { db in
            if database.dialect == .sqlite {
                return try await db.raw(
                    "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('search', 'relations') ORDER BY name"
                ).all(decodingColumn: "sql", as: String?.self).map { $0 ?? "-" }
            }
            let indexes = try await db.raw(
                "SELECT indexdef FROM pg_indexes WHERE tablename IN ('search', 'relations') ORDER BY indexname"
            ).all(decodingColumn: "indexdef", as: String.self)
            // PostgreSQL also drops and adds the foreign keys around a large load into an empty catalog.
            let keys = try await db.raw(
                """
                SELECT t.relname || ' ' || k.conname || ' ' || pg_get_constraintdef(k.oid) AS key FROM pg_constraint k
                JOIN pg_class t ON t.oid = k.conrelid WHERE k.contype = 'f' AND t.relname IN ('search', 'relations')
                ORDER BY 1
                """
            ).all(decodingColumn: "key", as: String.self)
            #expect(keys.count == 2)
            return indexes + keys
        }
    }

    /// A load large enough that SQLite rebuilds the indexes instead of growing them stores the same rows, and leaves
    /// the same indexes, as loads too small for it.
    @Test("a large load stores what smaller loads store, with the same indexes", arguments: Engine.allCases)
    func largeLoadMatchesSmallOnes(_ engine: Engine) async throws {
        let teams = try (0..<50).map { index in
            try EntityValidator.validate(
                .object([
                    "apiVersion": "backstage.io/v1alpha1", "kind": "Group",
                    "metadata": .object(["name": .string("team-\(index)")]),
                    "spec": .object(["type": "team", "children": []]),
                ]))
        }
        let components = try (0..<BulkWriteIndexes.threshold).map { index in
            try EntityValidator.validate(
                .object([
                    "apiVersion": "backstage.io/v1alpha1", "kind": "Component",
                    "metadata": .object(["name": .string("c-\(index)"), "tags": ["generated"]]),
                    "spec": .object([
                        "type": "service", "lifecycle": "production", "owner": .string("team-\(index % 50)"),
                        "dependsOn": .array([.string("component:c-\((index * 7 + 3) % 10_000)")]),
                    ]),
                ]))
        }
        let entities = components + teams
        let large = try await TestDatabases.with(engine, pluginId: "catalog") { database, _ in
            let store = EntityStore(database: database)
            try await store.migrate()
            let before = try await indexDefinitions(database)
            try await store.replaceLocationEntities(entities.map { ($0, "catalog.yaml") })
            #expect(try await indexDefinitions(database) == before)
            #expect(try await store.count() == entities.count)
            let team = try await store.entity(EntityRef(kind: "group", namespace: "default", name: "team-7"))
            #expect(team?.document["relations"]?.arrayValue?.count == 200)
            let owned = try await store.list(filter: try EntityFilter.parse(["relations.ownedby=group:default/team-7"]))
            #expect(owned.count == 200)
            return try await snapshot(database)
        }
        let small = try await TestDatabases.with(engine, pluginId: "catalog") { database, _ in
            let store = EntityStore(database: database)
            try await store.migrate()
            for part in entities.batches(of: BulkWriteIndexes.threshold / 2) {
                _ = try await store.addLocationEntities(Array(part), locationKey: "catalog.yaml")
            }
            return try await snapshot(database)
        }
        #expect(difference(large, small).isEmpty)
    }
}
