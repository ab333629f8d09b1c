import BackendKit
import BackendRuntime
import BackendTestSupport
import Foundation
import Logging
import Testing

@testable import CatalogPlugin

@Suite("Catalog metrics")
struct CatalogMetricsTests {
    private func entity(kind: String, name: String) throws -> Entity {
        try EntityValidator.validate(
            .object([
                "apiVersion": "example.com/v1", "kind": .string(kind), "metadata": .object(["name": .string(name)]),
            ]))
    }

    private func series(_ metrics: BackendMetrics) async -> [String] {
        String(decoding: await metrics.scrape(), as: UTF8.self).split(separator: "\n")
            .filter { $0.hasPrefix(CatalogMetrics.entitiesCount + "{") }.map(String.init).sorted()
    }

    @Test(
        "a kind whose entities are all gone reports 0, then drops out after the retention", arguments: Engine.allCases)
    func goneKindsDropOut(_ engine: Engine) async throws {
        try await TestDatabases.with(engine, pluginId: "catalog") { database, _ in
            let store = EntityStore(database: database)
            try await store.migrate()
            let metrics = BackendMetrics.prometheus()
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            let collector = CatalogMetrics(
                store: store, metrics: metrics, logger: logger, goneKindRetention: .milliseconds(50))
            try await store.add(try entity(kind: "Kept", name: "k"))
            for index in 0..<30 {
                try await store.add(try entity(kind: "Fleeting\(index)", name: "f"))
            }
            await collector.refresh()
            #expect(await series(metrics).count == 31)
            for index in 0..<30 {
                try await store.remove(EntityRef(kind: "Fleeting\(index)", namespace: "default", name: "f"))
            }
            // The first refresh that finds a kind gone starts its retention, so it always reports 0 once.
            await collector.refresh()
            let afterDelete = await series(metrics)
            #expect(afterDelete.count == 31)
            #expect(afterDelete.contains(#"catalog_entities_count{kind="Fleeting0"} 0.0"#))

            // Past the retention the gone kinds' series are removed; the kind still present stays.
            try await Task.sleep(for: .milliseconds(100))
            await collector.refresh()
            #expect(await series(metrics) == [#"catalog_entities_count{kind="Kept"} 1.0"#])
        }
    }
}
