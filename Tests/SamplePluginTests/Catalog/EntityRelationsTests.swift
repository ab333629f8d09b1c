import BackendJSON
import BackendKit
import BackendRuntime
import BackendTestSupport
import Foundation
import Testing

@testable import CatalogPlugin

@Suite("Entity relations")
struct EntityRelationsTests {
    private func entity(
        _ kind: String, _ name: String, namespace: String? = nil, spec: JSONObject = [:]
    ) throws
        -> Entity
    {
        var metadata: JSONObject = ["name": .string(name)]
        if let namespace { metadata["namespace"] = .string(namespace) }
        return try EntityValidator.validate(
            .object([
                "apiVersion": "backstage.io/v1alpha1", "kind": .string(kind), "metadata": .object(metadata),
                "spec": .object(spec),
            ]))
    }

    private func withStore(_ engine: Engine, _ body: (EntityStore) async throws -> Void) async throws {
        try await TestDatabases.with(engine, pluginId: "catalog") { database, _ in
            let store = EntityStore(database: database)
            try await store.migrate()
            try await body(store)
        }
    }

    /// `type targetRef` of each element of the stored entity's `relations` array.
    private func relations(_ store: EntityStore, _ kind: String, _ name: String) async throws -> [String] {
        let stored = try #require(try await store.entity(EntityRef(kind: kind, namespace: "default", name: name)))
        return (stored.document["relations"]?.arrayValue ?? []).map {
            "\($0["type"]?.stringValue ?? "") \($0["targetRef"]?.stringValue ?? "")"
        }
    }

    private func names(_ store: EntityStore, _ filter: String) async throws -> [String] {
        try await store.list(filter: try EntityFilter.parse([filter])).map(\.ref.name)
    }

    @Test("the built-in processor's relations, both directions, with default kinds and the entity's namespace")
    func emitted() throws {
        let component = try entity(
            "Component", "web", namespace: "lab",
            spec: [
                "owner": "platform-team", "system": "default/payments", "providesApis": ["payments-api"],
                "consumesApis": ["api:other/Ledger"], "dependsOn": ["resource:db", "no-kind"],
                "subcomponentOf": "shop", "lifecycle": "production",
            ])
        let relations = EntityRelation.emitted(by: component).map { "\($0.source) \($0.type) \($0.target)" }
        #expect(
            relations == [
                "component:lab/web ownedBy group:lab/platform-team",
                "group:lab/platform-team ownerOf component:lab/web",
                "component:lab/web partOf component:lab/shop", "component:lab/shop hasPart component:lab/web",
                "component:lab/web providesApi api:lab/payments-api",
                "api:lab/payments-api apiProvidedBy component:lab/web",
                "component:lab/web consumesApi api:other/ledger", "api:other/ledger apiConsumedBy component:lab/web",
                "component:lab/web dependsOn resource:lab/db", "resource:lab/db dependencyOf component:lab/web",
                "component:lab/web partOf system:default/payments", "system:default/payments hasPart component:lab/web",
            ])
        let user = try entity("User", "jane", spec: ["memberOf": ["team-a", "group:default/team-b"]])
        #expect(
            EntityRelation.emitted(by: user).map { "\($0.type) \($0.target)" } == [
                "memberOf group:default/team-a", "hasMember user:default/jane", "memberOf group:default/team-b",
                "hasMember user:default/jane",
            ])
        let group = try entity("Group", "team-a", spec: ["parent": "org", "children": ["team-c"], "type": "team"])
        #expect(
            EntityRelation.emitted(by: group).map { "\($0.source) \($0.type) \($0.target)" } == [
                "group:default/team-a childOf group:default/org", "group:default/org parentOf group:default/team-a",
                "group:default/team-a parentOf group:default/team-c",
                "group:default/team-c childOf group:default/team-a",
            ])
        let system = try entity("System", "payments", spec: ["owner": "user:jane", "domain": "commerce"])
        #expect(
            EntityRelation.emitted(by: system).filter { $0.source == "system:default/payments" }.map(\.target) == [
                "user:default/jane", "domain:default/commerce",
            ])
    }

    @Test(
        "relations stay right when either end is added, changed or removed, and filter as relations.<type>",
        arguments: Engine.allCases)
    func bothEnds(_ engine: Engine) async throws {
        try await withStore(engine) { store in
            // The component first: its owner does not exist yet.
            let stored = try await store.add(try entity("Component", "web", spec: ["owner": "Team-A"]))
            #expect(
                stored.document["relations"]
                    == [["type": "ownedBy", "targetRef": "group:default/team-a"]])
            try await store.add(try entity("Group", "team-a"))
            #expect(try await relations(store, "group", "team-a") == ["ownerOf component:default/web"])
            #expect(try await names(store, "relations.ownerOf=component:default/web") == ["team-a"])
            #expect(try await names(store, "relations.ownedby=Group:Default/Team-A") == ["web"])

            // Users and groups: memberOf / hasMember, parent / child.
            try await store.add(try entity("User", "jane", spec: ["memberOf": ["team-a"]]))
            try await store.add(try entity("Group", "org", spec: ["children": ["team-a"]]))
            #expect(
                try await relations(store, "group", "team-a") == [
                    "childOf group:default/org", "hasMember user:default/jane", "ownerOf component:default/web",
                ])
            #expect(try await relations(store, "group", "org") == ["parentOf group:default/team-a"])
            #expect(try await names(store, "relations.hasmember=user:default/jane") == ["team-a"])

            // Changing the owner (a location entity replaced at restart) moves the inverse relation.
            try await store.replaceLocationEntities([
                (try entity("Component", "web", spec: ["owner": "team-b"]), "catalog.yaml"),
                (try entity("Group", "team-b"), "catalog.yaml"),
            ])
            #expect(try await relations(store, "component", "web") == ["ownedBy group:default/team-b"])
            #expect(try await relations(store, "group", "team-b") == ["ownerOf component:default/web"])
            #expect(
                try await relations(store, "group", "team-a") == [
                    "childOf group:default/org", "hasMember user:default/jane",
                ])
            #expect(try await names(store, "relations.ownerof=component:default/web") == ["team-b"])

            // Removing one end: the other keeps the relation its own field states (as Backstage does) and loses the
            // ones only the removed entity stated.
            try await store.remove(EntityRef(kind: "Group", namespace: "default", name: "org"))
            #expect(try await relations(store, "group", "team-a") == ["hasMember user:default/jane"])
            try await store.remove(EntityRef(kind: "User", namespace: "default", name: "jane"))
            #expect(try await relations(store, "group", "team-a") == [])
            #expect(try await names(store, "relations.hasmember=user:default/jane") == [])
            // The location no longer declares team-b: the component keeps its ownedBy, as Backstage does.
            try await store.replaceLocationEntities([
                (try entity("Component", "web", spec: ["owner": "team-b"]), "catalog.yaml")
            ])
            #expect(try await relations(store, "component", "web") == ["ownedBy group:default/team-b"])
            try await store.add(try entity("Group", "team-b"))
            #expect(try await relations(store, "group", "team-b") == ["ownerOf component:default/web"])
            // A body read (and cached on SQLite) before the other end changed is not served after it.
            let ref = EntityRef(kind: "group", namespace: "default", name: "team-b")
            #expect(try await store.encodedEntity(ref).map { String(buffer: $0) }?.contains("ownerOf") == true)
            try await store.replaceLocationEntities([])
            #expect(try await store.encodedEntity(ref).map { String(buffer: $0) }?.contains("ownerOf") == false)
        }
    }

    @Test(
        "a database from before relations is rebuilt once: bodies get relations, search rows their original values",
        arguments: Engine.allCases)
    func upgrade(_ engine: Engine) async throws {
        try await TestDatabases.with(engine, pluginId: "catalog") { database, _ in
            // The schema and rows as the catalog wrote them before migration 04.
            try await database.migrate(Array(CatalogMigrations.all.prefix(3)))
            let rows: [(uid: String, ref: String, kind: String, name: String, body: String)] = [
                (
                    "u-web", "component:default/web", "Component", "web",
                    #"{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"web","#
                        + #""namespace":"default","uid":"u-web"},"spec":{"owner":"Team-A"}}"#
                ),
                (
                    "u-team", "group:default/team-a", "Group", "team-a",
                    #"{"apiVersion":"backstage.io/v1alpha1","kind":"Group","metadata":{"name":"team-a","#
                        + #""namespace":"default","uid":"u-team"},"spec":{}}"#
                ),
            ]
            try await database.withSession { db in
                for row in rows {
                    try await db.insert(into: "entities")
                        .columns("entity_id", "entity_ref", "kind", "namespace", "name", "body")
                        .values(
                            SQLBind(row.uid), SQLBind(row.ref), SQLBind(row.kind), SQLBind("default"),
                            SQLBind(row.name), SQLBind(row.body)
                        ).run()
                    try await db.insert(into: "search").columns("entity_id", "key", "value")
                        .values(SQLBind(row.uid), SQLBind("kind"), SQLBind(row.kind.lowercased())).run()
                }
            }
            let store = EntityStore(database: database)
            try await store.migrate()
            #expect(try await relations(store, "component", "web") == ["ownedBy group:default/team-a"])
            #expect(try await relations(store, "group", "team-a") == ["ownerOf component:default/web"])
            #expect(try await names(store, "relations.ownerof=component:default/web") == ["team-a"])
            let facets = try await store.facets(["kind"], filter: .all)
            #expect(facets["kind"]?.map(\.value).sorted() == ["Component", "Group"])
        }
    }
}
