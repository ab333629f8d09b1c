import BackendJSON
import BackendKit
import BackendRuntime
import BackendTestSupport
import Foundation
import Testing

@testable import CatalogPlugin

@Suite("Entity store")
struct EntityStoreTests {
    private func component(_ name: String, namespace: String = "default") throws -> Entity {
        try EntityValidator.validate(
            .object([
                "apiVersion": .string("backstage.io/v1alpha1"), "kind": .string("Component"),
                "metadata": .object(["name": .string(name), "namespace": .string(namespace)]),
            ]))
    }

    /// Runs `body` with an empty, migrated store on `engine`.
    private func withStore(_ engine: Engine, _ body: (EntityStore) async throws -> Void) async throws {
        try await TestDatabases.with(engine, pluginId: "catalog") { database, _ in
            let store = EntityStore(database: database)
            try await store.migrate()
            try await body(store)
        }
    }

    @Test(
        "refs are unique case-insensitively; conflicts and missing entities use Backstage's messages",
        arguments: Engine.allCases)
    func uniqueness(_ engine: Engine) async throws {
        try await withStore(engine) { store in
            let stored = try await store.add(try component("a"))
            #expect(stored.document["metadata"]?["uid"]?.stringValue != nil)
            await #expect(throws: ConflictError("Entity 'component:default/A' already exists")) {
                try await store.add(try component("A"))
            }
            #expect(try await store.entity(EntityRef(kind: "COMPONENT", namespace: "Default", name: "a")) != nil)
            await #expect(
                throws: NotFoundError("No entity named 'b' found, with kind 'Component' in namespace 'default'")
            ) {
                try await store.remove(EntityRef(kind: "Component", namespace: "default", name: "b"))
            }
            // A body read (and cached, on SQLite) before the removal is not served after it.
            let ref = EntityRef(kind: "component", namespace: "default", name: "a")
            #expect(try await store.encodedEntity(ref) != nil)
            try await store.remove(EntityRef(kind: "component", namespace: "default", name: "a"))
            #expect(try await store.encodedEntity(ref) == nil)
            #expect(try await store.count() == 0)
        }
    }

    @Test(
        "stored bodies are the entity's JSON; a YAML .inf or .nan reads back as null, not a failure",
        arguments: Engine.allCases)
    func encodedBodies(_ engine: Engine) async throws {
        try await withStore(engine) { store in
            let entity = try EntityValidator.validate(
                .object([
                    "apiVersion": .string("backstage.io/v1alpha1"), "kind": .string("Component"),
                    "metadata": .object(["name": .string("w"), "uid": .string("u")]),
                    "spec": .object(["weight": .double(.infinity), "ratio": .double(.nan), "size": .double(2)]),
                ]))
            try await store.add(entity)
            let expected =
                #"{"apiVersion":"backstage.io/v1alpha1","kind":"Component","#
                + #""metadata":{"name":"w","namespace":"default","uid":"u"},"relations":[],"#
                + #""spec":{"ratio":null,"size":2,"weight":null}}"#
            let body = try #require(
                try await store.encodedEntity(EntityRef(kind: "component", namespace: "default", name: "w")))
            #expect(String(buffer: body) == expected)
            #expect(String(buffer: try await store.encodedList(filter: .all)) == "[\(expected)]")
            #expect(String(buffer: try await store.encodedList(filter: .all, offset: 1)) == "[]")
        }
    }

    @Test("paging with offset and limit walks the entities in ref order", arguments: Engine.allCases)
    func paging(_ engine: Engine) async throws {
        try await withStore(engine) { store in
            for name in ["d", "b", "e", "a", "c"] {
                try await store.add(try component(name))
            }
            var seen: [String] = []
            var offset = 0
            while true {
                let page = try await store.list(filter: .all, offset: offset, limit: 2)
                seen += page.map(\.ref.name)
                if page.count < 2 { break }
                offset += page.count
            }
            #expect(seen == ["a", "b", "c", "d", "e"])
            #expect(try await store.list(filter: .all, offset: 10, limit: 2).isEmpty)
            #expect(try await store.list(filter: try EntityFilter.parse(["metadata.name=c"])).map(\.ref.name) == ["c"])
        }
    }

    @Test(
        "location entities are upserted at each startup: uids kept, changes applied, removed ones gone, API ones kept",
        arguments: Engine.allCases)
    func locationEntitiesAcrossRestarts(_ engine: Engine) async throws {
        try await withStore(engine) { store in
            let spec = { (owner: String) -> JSONValue in ["owner": .string(owner), "type": "service"] }
            func entity(_ name: String, owner: String) throws -> Entity {
                try EntityValidator.validate(
                    .object([
                        "apiVersion": "backstage.io/v1alpha1", "kind": "Component",
                        "metadata": .object(["name": .string(name)]), "spec": spec(owner),
                    ]))
            }
            try await store.replaceLocationEntities([
                (try entity("kept", owner: "a"), "catalog.yaml"), (try entity("changed", owner: "a"), "catalog.yaml"),
                (try entity("dropped", owner: "a"), "catalog.yaml"),
            ])
            try await store.add(try entity("registered", owner: "a"))
            let uid = { (name: String) async throws -> String? in
                try await store.entity(EntityRef(kind: "component", namespace: "default", name: name))?
                    .document["metadata"]?["uid"]?.stringValue
            }
            let keptUID = try await uid("kept")
            let changedUID = try await uid("changed")
            try await store.replaceLocationEntities([
                (try entity("kept", owner: "a"), "catalog.yaml"), (try entity("changed", owner: "b"), "catalog.yaml"),
            ])
            #expect(try await uid("kept") == keptUID)
            #expect(try await uid("changed") == changedUID)
            #expect(try await uid("dropped") == nil)
            #expect(try await uid("registered") != nil)
            let ownedByB = try await store.list(filter: try EntityFilter.parse(["spec.owner=b"])).map(\.ref.name)
            #expect(ownedByB == ["changed"])
            let ownedByA = try await store.list(filter: try EntityFilter.parse(["spec.owner=a"])).map(\.ref.name)
            #expect(ownedByA == ["kept", "registered"])
        }
    }

    /// The database answers every filter as the filter's own definition (`EntityFilter.matches` over the flattened
    /// fields) does: AND within a value, OR across values, any array element, key-only conditions, case.
    @Test("the database filter agrees with the filter's definition", arguments: Engine.allCases)
    func databaseFilterAgreesWithDefinition(_ engine: Engine) async throws {
        try await withStore(engine) { store in
            var entities: [Entity] = []
            for index in 0..<60 {
                var spec: JSONObject = [
                    "owner": .string("team-\(index % 4)"), "type": index % 3 == 0 ? "website" : "service",
                ]
                if index % 5 == 0 { spec["lifecycle"] = .null }
                if index % 7 == 0 { spec["dependsOn"] = [] }
                let tags: [JSONValue] = (0..<(index % 3)).map { .string("Tag-\((index + $0) % 5)") }
                entities.append(
                    try EntityValidator.validate(
                        .object([
                            "apiVersion": "backstage.io/v1alpha1", "kind": index % 2 == 0 ? "Component" : "API",
                            "metadata": .object(["name": .string("e\(index)"), "tags": .array(tags)]),
                            "spec": .object(spec),
                        ])))
            }
            for entity in entities { try await store.add(entity) }
            let filters: [[String]] = [
                ["kind=component"], ["kind=component,spec.owner=team-1"], ["spec.owner=team-1,spec.owner=team-2"],
                ["kind=api", "spec.type=website"], ["metadata.tags=tag-3"], ["metadata.tags=TAG-3,kind=Component"],
                ["spec.lifecycle"], ["spec.dependsOn"], ["spec.dependsOn,kind=api"], ["spec.owner=nobody"],
                ["kind=component,spec.owner=nobody", "spec.type=website"], ["metadata.name=e7"],
            ]
            for values in filters {
                let filter = try EntityFilter.parse(values)
                let expected = entities.filter { filter.matches(EntitySearchFields($0)) }.map(\.ref.key).sorted()
                let actual = try await store.list(filter: filter).map(\.ref.key)
                #expect(actual == expected, "\(values)")
                let page = try await store.list(filter: filter, offset: 1, limit: 2).map(\.ref.key)
                #expect(page == Array(expected.dropFirst().prefix(2)), "\(values) paged")
            }
        }
    }
}
