import BackendConfig
import BackendKit
import BackendRuntime
import BackendTestSupport
import Foundation
import Logging
import ServiceLifecycle
import Testing

@testable import SearchPlugin

@Suite("Search index and collator")
struct SearchIndexTests {
    static let entities = [
        CatalogEntitySummary(
            kind: "Component", name: "payment-service", title: "Payment Service", description: "Charges cards",
            type: "service", owner: "team-a"),
        CatalogEntitySummary(
            kind: "Component", name: "checkout-web", description: "Pays through the payment service", type: "website"),
        CatalogEntitySummary(kind: "Group", name: "Platform", namespace: "Ops"),
    ]

    static var index: SearchIndex { SearchIndex(documents: entities.map(CatalogEntityDocument.init)) }

    @Test("documents follow Backstage's CatalogEntityDocument")
    func documents() {
        let document = CatalogEntityDocument(Self.entities[0])
        #expect(document.title == "Payment Service")
        #expect(document.text == "Charges cards")
        #expect(document.location == "/catalog/default/component/payment-service")
        #expect(CatalogEntityDocument(Self.entities[2]).location == "/catalog/ops/group/platform")
        #expect(CatalogEntityDocument(Self.entities[2]).title == "Platform")
        #expect(CatalogEntityDocument(Self.entities[2]).type == "other")
    }

    @Test("title matches rank above text matches; prefixes and typos still match")
    func ranking() async {
        #expect(await Self.index.search(term: "payment").map(\.document.title) == ["Payment Service", "checkout-web"])
        #expect(await Self.index.search(term: "paym").first?.document.title == "Payment Service")
        #expect(await Self.index.search(term: "paymnet").first?.document.title == "Payment Service")
        #expect(
            await Self.index.search(term: "payment-service").first?.document.location
                == "/catalog/default/component/payment-service")
        #expect(await Self.index.search(term: "nothing-like-this").isEmpty)
        #expect(await Self.index.search(term: "").count == 3)
        #expect(await Self.index.search(term: "", filters: ["kind": ["component"]]).count == 2)
        #expect(
            await Self.index.search(term: "payment", filters: ["type": ["website"]]).map(\.document.title)
                == ["checkout-web"])
    }

    @Test("the query string: term, types, filters, paging")
    func query() throws {
        let query = try SearchQuery(
            QueryItems("term=pay+ment&types%5B0%5D=software-catalog&filters[kind]=Component&pageLimit=10"))
        #expect(query.term == "pay ment")
        #expect(query.types == ["software-catalog"])
        #expect(query.filters == ["kind": ["Component"]])
        #expect(query.pageLimit == 10)
        let next = try SearchQuery(QueryItems("pageCursor=\(SearchQuery.encodeCursor(2))"))
        #expect(next.page == 2)
        #expect(throws: InputError("Invalid pageLimit '0', expected an integer from 1 to 100")) {
            try SearchQuery(QueryItems("pageLimit=0"))
        }
    }

    @Test("durations: milliseconds, units, ISO 8601 and objects")
    func durations() throws {
        #expect(ConfigDuration.milliseconds(.number(1500)) == 1500)
        #expect(ConfigDuration.milliseconds("30s") == 30_000)
        #expect(ConfigDuration.milliseconds("1h 30m") == 5_400_000)
        #expect(ConfigDuration.milliseconds("500ms") == 500)
        #expect(ConfigDuration.milliseconds("PT1M30S") == 90_000)
        #expect(ConfigDuration.milliseconds(["seconds": 30]) == 30_000)
        #expect(ConfigDuration.milliseconds(["minutes": 1, "milliseconds": 5]) == 60_005)
        #expect(ConfigDuration.milliseconds("soon") == nil)
        #expect(ConfigDuration.milliseconds(["fortnights": 1]) == nil)
        #expect(ConfigDuration.milliseconds(.number(-1)) == nil)
        let config = Config(["search": ["collators": ["catalog": ["frequency": "often"]]]], source: "app-config.yaml")
        #expect(
            throws: ConfigError(
                "Invalid duration in config for key 'search.collators.catalog.frequency' in 'app-config.yaml', wanted milliseconds, a string such as '30s', '5m' or 'PT1H', or an object such as {seconds: 30}"
            )
        ) {
            try SearchSettings(config: config)
        }
        let settings = try SearchSettings(
            config: Config(["search": ["collators": ["catalog": ["initialDelay": ["seconds": 2], "frequency": 100]]]]))
        #expect(
            settings.schedule
                == TaskSchedule(frequency: .milliseconds(100), timeout: .seconds(900), initialDelay: .seconds(2)))
        #expect(settings.pageSize == 500)

        // The schedule object wins key by key; the legacy keys fill what it leaves out.
        let scheduled = try SearchSettings(
            config: Config([
                "search": [
                    "collators": [
                        "catalog": [
                            "frequency": 100,
                            "schedule": ["frequency": "2s", "timeout": ["minutes": 1], "scope": "local"],
                        ]
                    ]
                ]
            ]))
        #expect(
            scheduled.schedule
                == TaskSchedule(frequency: .seconds(2), timeout: .seconds(60), initialDelay: .seconds(3), scope: .local)
        )
        let badScope = Config(
            ["search": ["collators": ["catalog": ["schedule": ["scope": "everywhere"]]]]], source: "app-config.yaml")
        #expect(
            throws: ConfigError(
                "Invalid value in config for key 'search.collators.catalog.schedule.scope' in 'app-config.yaml', wanted 'global' or 'local', got 'everywhere'"
            )
        ) {
            try SearchSettings(config: badScope)
        }
        let cron = Config(
            ["search": ["collators": ["catalog": ["schedule": ["frequency": ["cron": "* * * * *"]]]]]],
            source: "app-config.yaml")
        #expect(
            throws: ConfigError(
                "Invalid value in config for key 'search.collators.catalog.schedule.frequency' in 'app-config.yaml': cron schedules are not supported, use a duration such as { minutes: 10 }"
            )
        ) {
            try SearchSettings(config: cron)
        }
    }

    /// Serves `entities` in pages whose cursors are the next offset, and records the cursors asked for.
    private actor Pager: EntityPageSource {
        let entities: [CatalogEntitySummary]
        private(set) var calls: [String?] = []
        init(_ entities: [CatalogEntitySummary]) { self.entities = entities }
        func page(
            cursor: String?, limit: Int
        ) async throws -> (
            entities: [CatalogEntitySummary], nextCursor: String?
        ) {
            calls.append(cursor)
            let offset = cursor.flatMap { Int($0) } ?? 0
            let next = offset + limit < entities.count ? String(offset + limit) : nil
            return (Array(entities.dropFirst(offset).prefix(limit)), next)
        }
    }

    private struct Refusing: EntityPageSource {
        func page(
            cursor: String?, limit: Int
        ) async throws -> (
            entities: [CatalogEntitySummary], nextCursor: String?
        ) {
            throw CollationTestError()
        }
    }

    private struct CollationTestError: Error, CustomStringConvertible {
        var description: String { "responded 401" }
    }

    @Test("the collator follows the pages' cursors until the last page")
    func paging() async throws {
        let many = (0..<5).map { CatalogEntitySummary(kind: "Component", name: "c\($0)") }
        let pager = Pager(many)
        let documents = try await CatalogCollator(pageSize: 2).collect(from: pager)
        #expect(documents.count == 5)
        #expect(await pager.calls == [nil, "2", "4"])
    }

    /// Found by scripts/ci-checks/schemathesis's hunt for 5xx: a cursor naming page Int.max overflowed
    /// `page * pageLimit` and killed the process.
    @Test("a cursor past every result is an empty page, whatever page it names")
    func hugeCursors() async throws {
        let store = IndexStore()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let indexer = CatalogIndexer(
            store: store, collator: CatalogCollator(pageSize: 2), makeSource: { Pager(Self.entities) }, documents: nil,
            logger: logger)
        try await indexer.run(trigger: "test")
        let routes = SearchRoutes(store: store, indexer: indexer)
        for page in [Int.max, Int.max / 100 + 1, Int.max / 25, 1_000_000] {
            let cursor = Data(String(page).utf8).base64EncodedString()
            for limit in ["1", "25", "100"] {
                let query = try SearchQuery(QueryItems("term=pay&pageLimit=\(limit)&pageCursor=\(cursor)"))
                let results = await routes.query(query)
                #expect(results.results.isEmpty)
                #expect(results.numberOfResults == 2)
                #expect(results.nextPageCursor == nil)
            }
        }
    }

    @Test(
        "a failed run keeps the last index, in memory and in the database, and records why",
        arguments: Engine.allCases)
    func keepsLastIndex(_ engine: Engine) async throws {
        try await TestDatabases.with(engine, pluginId: "search") { database, _ in
            let documents = DocumentStore(database: database)
            try await documents.migrate()
            let store = IndexStore()
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            let good = CatalogIndexer(
                store: store, collator: CatalogCollator(pageSize: 2), makeSource: { Pager(Self.entities) },
                documents: documents, logger: logger)
            #expect(try await good.run(trigger: "test") == 3)
            let bad = CatalogIndexer(
                store: store, collator: CatalogCollator(), makeSource: { Refusing() }, documents: documents,
                logger: logger)
            await #expect(throws: ServiceUnavailableError.self) { try await bad.run(trigger: "test") }
            #expect(await store.index.count == 3)
            let status = await store.status
            #expect(status.lastError == "responded 401")
            #expect(status.documents == 3)
            #expect(status.runs == 2)

            // A new process answers from the stored documents before any collation.
            let stored = try await documents.load()
            #expect(stored.generation >= 1)
            let restored = IndexStore(restored: stored.documents, generation: stored.generation)
            #expect(await restored.index.count == 3)
            #expect(await restored.status.runs == 0)
            #expect(
                try await documents.load().documents
                    == (try await CatalogCollator().collect(from: Pager(Self.entities))))
        }
    }
}
