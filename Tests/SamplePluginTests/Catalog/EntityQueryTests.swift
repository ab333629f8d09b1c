import BackendKit
import BackendRuntime
import BackendTestSupport
import Foundation
import Testing

@testable import CatalogPlugin

@Suite("Entity store keyset pages")
struct EntityQueryTests {
    /// Follows the store's pages of `query`, 250 at a time, and returns the names in order.
    private func walk(_ store: EntityStore, _ query: EntityQuery) async throws -> [String] {
        var names: [String] = []
        var position: EntityCursor.Position?
        for _ in 0..<100 {
            let page = try await store.queryPage(
                query, after: position, backward: false, limit: 250, countTotal: position == nil)
            for item in page.items {
                names.append(try EntityStore.decode(item.body).ref.name)
            }
            guard page.hasMore, let last = page.items.last else { break }
            position = EntityCursor.Position(values: last.values, uid: last.uid)
        }
        return names
    }

    /// More entities than the selectivity probe counts, so that broad filters are probed per row in page order and
    /// selective ones are read first; both give the definition's answer, in order, each once.
    @Test("broad and selective filters page alike and agree with the filter's definition", arguments: Engine.allCases)
    func broadAndSelective(_ engine: Engine) async throws {
        try await TestDatabases.with(engine, pluginId: "catalog") { database, _ in
            let store = EntityStore(database: database)
            try await store.migrate()
            let count = EntityQueryPlanner.selectivityProbeLimit + 200
            var entities: [(entity: Entity, locationKey: String)] = []
            for index in 0..<count {
                let entity = try EntityValidator.validate(
                    .object([
                        "apiVersion": "backstage.io/v1alpha1", "kind": "Component",
                        "metadata": .object(["name": .string(String(format: "c-%04d", index))]),
                        "spec": .object(["type": index % 3 == 0 ? "website" : "service"]),
                    ]))
                entities.append((entity, "generated.yaml"))
            }
            try await store.replaceLocationEntities(entities)
            let all = entities.map(\.entity)
            let uidOrder = try await store.list(filter: .all).sorted {
                ($0.document["metadata"]?["uid"]?.stringValue ?? "")
                    < ($1.document["metadata"]?["uid"]?.stringValue ?? "")
            }.map(\.ref.name)
            for values in [
                ["kind=component"], ["kind=component,metadata.namespace=default"], ["kind=api", "kind=component"],
                ["kind=component,spec.type=website"], ["spec.type=service"], ["kind=api"],
            ] {
                let filter = try EntityFilter.parse(values)
                let matching = Set(all.filter { filter.matches(EntitySearchFields($0)) }.map(\.ref.name))
                let byUID = try await walk(store, EntityQuery(filter: filter, order: [], fullText: nil))
                #expect(byUID == uidOrder.filter { matching.contains($0) }, "\(values)")
                let byName = try await walk(
                    store,
                    EntityQuery(
                        filter: filter, order: [EntityQuery.Order(field: "metadata.name", descending: true)],
                        fullText: nil))
                #expect(byName == matching.sorted(by: >), "\(values) by name")
                let total = try await store.queryPage(
                    EntityQuery(filter: filter, order: [], fullText: nil), after: nil, backward: false, limit: 0,
                    countTotal: true
                ).totalItems
                #expect(total == matching.count, "\(values) totalItems")
            }
        }
    }
}
