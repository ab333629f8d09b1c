import BackendConfig
import BackendJSON
import BackendKit
import BackendRuntime
import BackendTestSupport
import BackendTesting
import CatalogPlugin
import Foundation
import NIOHTTP1
import Testing

@Suite("Catalog query API: by-query, by-refs, facets, relations", .serialized)
struct CatalogQueryRoutesTests {
    /// Runs `body` against a catalog host with the example catalog on `engine`.
    private func withCatalog(
        _ engine: TestDatabaseEngine, _ body: (BackendTestClient) async throws -> Void
    ) async throws {
        try await TestBackend(plugins: [CatalogPlugin()], config: Config(TestHosts.config())).test(engine: engine) {
            try await body($0)
        }
    }

    private func names(_ response: BackendTestResponse) -> [String] {
        (response.object["items"] as? [[String: Any]] ?? []).compactMap {
            ($0["metadata"] as? [String: Any])?["name"] as? String
        }
    }

    private func pageInfo(_ response: BackendTestResponse) -> [String: String] {
        response.object["pageInfo"] as? [String: String] ?? [:]
    }

    private func escaped(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }

    private func message(_ response: BackendTestResponse) -> String? {
        (response.object["error"] as? [String: Any])?["message"] as? String
    }

    private func component(_ name: String) -> String {
        #"{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"\#(name)"},"#
            + #""spec":{"type":"service","owner":"platform-team"}}"#
    }

    /// Follows `nextCursor` from `path`, returning the names in order and the pages' `totalItems`.
    private func walk(
        _ client: BackendTestClient, _ path: String, between: (Int) async throws -> Void = { _ in }
    ) async throws -> (names: [String], totals: Set<Int>, pages: Int) {
        var response = try await client.request(.get, "/api/catalog" + path, as: .backend)
        #expect(response.status == 200, "\(response.text)")
        var names = names(response)
        var totals: Set<Int> = [response.object["totalItems"] as? Int ?? -1]
        var pages = 1
        while let next = pageInfo(response)["nextCursor"], pages < 100 {
            try await between(pages)
            response = try await client.request(
                .get, "/api/catalog/entities/by-query?limit=3&cursor=\(escaped(next))", as: .backend)
            #expect(response.status == 200, "\(response.text)")
            names += self.names(response)
            totals.insert(response.object["totalItems"] as? Int ?? -1)
            pages += 1
        }
        return (names, totals, pages)
    }

    @Test(
        "by-query pages with cursors in uid order or by orderField, both directions",
        arguments: TestDatabaseEngine.allCases)
    func byQuery(_ engine: TestDatabaseEngine) async throws {
        try await withCatalog(engine) { client in
            let first = try await client.request(.get, "/api/catalog/entities/by-query", as: .backend)
            #expect(first.status == 200)
            #expect(first.object["totalItems"] as? Int == TestHosts.exampleEntityCount)
            #expect(names(first).count == TestHosts.exampleEntityCount)
            #expect(pageInfo(first).isEmpty)
            let uids = (first.object["items"] as? [[String: Any]] ?? []).compactMap {
                ($0["metadata"] as? [String: Any])?["uid"] as? String
            }
            #expect(uids == uids.sorted())

            // Every entity once, three at a time, in the order of one big page; totalItems carried along.
            let walked = try await walk(client, "/entities/by-query?limit=3")
            #expect(walked.names == names(first))
            #expect(walked.totals == [TestHosts.exampleEntityCount])
            #expect(walked.pages == 3)

            let sorted = try await walk(client, "/entities/by-query?limit=3&orderField=metadata.name,asc")
            #expect(sorted.names == names(first).sorted())
            let descending = try await walk(
                client, "/entities/by-query?limit=3&orderField=metadata.name,desc&filter=kind=component")
            #expect(descending.names == ["payment-service", "ledger-lib", "checkout-web"])
            // Entities without the field come last, in either direction.
            let byType = try await walk(client, "/entities/by-query?limit=3&orderField=spec.type,desc")
            #expect(byType.names.count == TestHosts.exampleEntityCount)
            #expect(byType.names.prefix(2) == ["checkout-web", "platform-team"])
            #expect(Set(byType.names.suffix(2)) == ["jane.doe", "payments"])

            // Several order fields (the later ones break ties), entities without a value last.
            let twoFields = try await walk(
                client, "/entities/by-query?limit=3&orderField=spec.type,asc&orderField=metadata.name,desc")
            #expect(
                twoFields.names == [
                    "ledger-lib", "payments-api", "payment-service", "create-component", "platform-team",
                    "checkout-web", "payments", "jane.doe",
                ])
            // An array field orders each entity once, by its smallest value.
            let byTag = try await walk(client, "/entities/by-query?limit=3&orderField=metadata.tags")
            #expect(byTag.names.count == TestHosts.exampleEntityCount)
            #expect(Set(byTag.names).count == TestHosts.exampleEntityCount)
            // core (payments); java (two, by uid); recommended (the template); typescript; then the untagged.
            #expect(byTag.names.first == "payments")
            #expect(Set(byTag.names[1...2]) == ["ledger-lib", "payment-service"])
            #expect(byTag.names[3...4] == ["create-component", "checkout-web"], "\(byTag.names)")
            #expect(Set(byTag.names[5...]) == ["jane.doe", "platform-team", "payments-api"])

            // prevCursor leads back to the page before.
            let page1 = try await client.request(
                .get, "/api/catalog/entities/by-query?limit=3&orderField=metadata.name", as: .backend)
            #expect(pageInfo(page1)["prevCursor"] == nil)
            let next = try #require(pageInfo(page1)["nextCursor"])
            let page2 = try await client.request(
                .get, "/api/catalog/entities/by-query?cursor=\(escaped(next))&limit=3", as: .backend)
            let previous = try #require(pageInfo(page2)["prevCursor"])
            let back = try await client.request(
                .get, "/api/catalog/entities/by-query?cursor=\(escaped(previous))&fields=metadata.name", as: .backend)
            #expect(names(back) == names(page1))
            #expect(pageInfo(back)["prevCursor"] == nil)
            #expect(pageInfo(back)["nextCursor"] != nil)
            #expect(normalizedJSON(back.text).hasPrefix(#"{"items":[{"metadata":{"name":"#))

            // Full-text filter: a substring, case-insensitive, of the default fields or the given ones.
            let text = try await client.request(
                .get, "/api/catalog/entities/by-query?fullTextFilterTerm=LEDGER&filter=kind=component", as: .backend)
            #expect(names(text) == ["ledger-lib"])
            #expect(text.object["totalItems"] as? Int == 1)
            let inFields = try await client.request(
                .get, "/api/catalog/entities/by-query?fullTextFilterTerm=web&fullTextFilterFields=spec.type",
                as: .backend)
            #expect(names(inFields) == ["checkout-web"])
            let literal = try await client.request(
                .get, "/api/catalog/entities/by-query?fullTextFilterTerm=%25", as: .backend)
            #expect(names(literal).isEmpty)

            let none = try await client.request(
                .get, "/api/catalog/entities/by-query?filter=kind=nothing", as: .backend)
            #expect(none.text == #"{"items":[],"totalItems":0,"pageInfo":{}}"#)
        }
    }

    @Test(
        "by-query errors: a malformed cursor, a bad orderField, a bad limit",
        arguments: TestDatabaseEngine.allCases)
    func byQueryErrors(_ engine: TestDatabaseEngine) async throws {
        try await withCatalog(engine) { client in
            let malformed = try await client.request(
                .get, "/api/catalog/entities/by-query?cursor=bm9wZQ%3D%3D", as: .backend)
            #expect(
                malformed.text
                    == errorBody(
                        name: "InputError",
                        message: "Malformed cursor, it is not one that GET /entities/by-query returned",
                        method: "GET", url: "/entities/by-query?cursor=bm9wZQ%3D%3D", status: 400))
            let order = try await client.request(
                .get, "/api/catalog/entities/by-query?orderField=metadata.name,up", as: .backend)
            #expect(message(order) == "Invalid order field order, must be asc or desc")
            let limit = try await client.request(.get, "/api/catalog/entities/by-query?limit=x", as: .backend)
            #expect(message(limit) == "Invalid limit query parameter 'x', expected a non-negative integer")
        }
    }

    @Test(
        "a client that resends filter, orderField and full-text terms with every cursor visits each match once",
        arguments: TestDatabaseEngine.allCases)
    func cursorIgnoresResentQuery(_ engine: TestDatabaseEngine) async throws {
        try await withCatalog(engine) { client in
            let query = "filter=kind=component&orderField=metadata.name,desc&fullTextFilterTerm=e&limit=1"
            let first = try await client.request(.get, "/api/catalog/entities/by-query?\(query)", as: .backend)
            #expect(first.status == 200)
            var seen = names(first)
            var cursor = pageInfo(first)["nextCursor"]
            while let next = cursor {
                // A changed filter next to the cursor is ignored too: the cursor carries the query.
                let page = try await client.request(
                    .get, "/api/catalog/entities/by-query?\(query)&filter=kind=api&cursor=\(escaped(next))",
                    as: .backend)
                #expect(page.status == 200, "\(page.text)")
                seen += names(page)
                cursor = pageInfo(page)["nextCursor"]
                if seen.count > 20 { break }
            }
            let all = try await client.request(
                .get, "/api/catalog/entities/by-query?filter=kind=component&fullTextFilterTerm=e&limit=100",
                as: .backend)
            let expected = names(all).sorted(by: >)
            #expect(expected.count >= 2)
            #expect(seen == expected)
        }
    }

    @Test(
        "following nextCursor visits every remaining match once while entities are added and removed",
        arguments: TestDatabaseEngine.allCases)
    func cursorUnderChange(_ engine: TestDatabaseEngine) async throws {
        try await withCatalog(engine) { client in
            let names = (0..<20).map { String(format: "c-%02d", $0) }
            for name in names {
                #expect(
                    try await client.request(.post, "/api/catalog/entities", as: .backend, jsonText: component(name))
                        .status == 201)
            }
            for order in ["", "&orderField=metadata.name,desc"] {
                var removed: Set<String> = []
                var added: Set<String> = []
                let path = "/entities/by-query?limit=3&filter=kind=component,spec.type=service" + order
                let walked = try await walk(client, path) { page in
                    // Between pages: remove one entity already seen and one not yet seen; add two.
                    let gone = ["c-\(page)", "c-\(19 - page)"].map { $0.count == 3 ? "c-0" + $0.dropFirst(2) : $0 }
                    for name in gone where !removed.contains(name) {
                        _ = try await client.request(
                            .delete, "/api/catalog/entities/by-name/component/default/\(name)", as: .backend)
                        removed.insert(name)
                    }
                    for suffix in ["a", "b"] {
                        let name = "n-\(order.isEmpty ? "u" : "o")\(page)\(suffix)"
                        _ = try await client.request(
                            .post, "/api/catalog/entities", as: .backend, jsonText: component(name))
                        added.insert(name)
                    }
                }
                #expect(Set(walked.names).count == walked.names.count, "no entity twice: \(walked.names)")
                let remaining = Set(names + ["payment-service"]).subtracting(removed)
                #expect(remaining.isSubset(of: Set(walked.names)), "every remaining match: \(walked.names)")
                #expect(Set(walked.names).isSubset(of: remaining.union(added).union(removed)))
                // Put back what was removed, drop what was added, for the next order.
                for name in removed {
                    _ = try await client.request(
                        .post, "/api/catalog/entities", as: .backend, jsonText: component(name))
                }
                for name in added {
                    _ = try await client.request(
                        .delete, "/api/catalog/entities/by-name/component/default/\(name)", as: .backend)
                }
            }
        }
    }

    @Test(
        "by-refs answers in request order, null for missing refs, with fields and a filter",
        arguments: TestDatabaseEngine.allCases)
    func byRefs(_ engine: TestDatabaseEngine) async throws {
        try await withCatalog(engine) { client in
            let response = try await client.request(
                .post, "/api/catalog/entities/by-refs", as: .backend,
                jsonText:
                    #"{"entityRefs":["component:default/ledger-lib","component:default/nope","API:Default/payments-api","component:default/ledger-lib"],"fields":["kind","metadata.name"]}"#
            )
            #expect(response.status == 200)
            #expect(
                normalizedJSON(response.text)
                    == normalizedJSON(
                        #"{"items":[{"kind":"Component","metadata":{"name":"ledger-lib"}},null,"#
                            + #"{"kind":"API","metadata":{"name":"payments-api"}},"#
                            + #"{"kind":"Component","metadata":{"name":"ledger-lib"}}]}"#))
            let whole = try await client.request(
                .post, "/api/catalog/entities/by-refs?filter=kind=api", as: .backend,
                jsonText: #"{"entityRefs":["component:default/ledger-lib","api:default/payments-api"]}"#)
            let byName = try await client.request(
                .get, "/api/catalog/entities/by-name/api/default/payments-api", as: .backend)
            #expect(whole.text == #"{"items":[null,\#(byName.text)]}"#)
            let empty = try await client.request(
                .post, "/api/catalog/entities/by-refs", as: .backend, jsonText: #"{"entityRefs":[]}"#)
            #expect(empty.text == #"{"items":[]}"#)
            let bad = try await client.request(
                .post, "/api/catalog/entities/by-refs", as: .backend, jsonText: #"{"entityRefs":[1]}"#)
            #expect(
                bad.text
                    == errorBody(
                        name: "InputError", message: "Invalid request body, entityRefs must be an array of strings",
                        method: "POST", url: "/entities/by-refs", status: 400))
            let missing = try await client.request(
                .post, "/api/catalog/entities/by-refs", as: .backend, jsonText: #"{}"#)
            #expect(message(missing) == "Invalid request body, entityRefs must be an array of entity refs")
        }
    }

    @Test("entity-facets counts values as written, filtered", arguments: TestDatabaseEngine.allCases)
    func facets(_ engine: TestDatabaseEngine) async throws {
        try await withCatalog(engine) { client in
            let response = try await client.request(
                .get, "/api/catalog/entity-facets?facet=kind&facet=metadata.tags&filter=spec.lifecycle=production",
                as: .backend)
            #expect(response.status == 200)
            #expect(
                normalizedJSON(response.text)
                    == normalizedJSON(
                        #"{"facets":{"kind":[{"value":"Component","count":2},{"value":"API","count":1}],"#
                            + #""metadata.tags":[{"value":"java","count":1},{"value":"payments","count":1},"#
                            + #"{"value":"typescript","count":1},{"value":"web","count":1}]}}"#))
            let relations = try await client.request(
                .get, "/api/catalog/entity-facets?facet=relations.ownedBy&filter=kind=component", as: .backend)
            #expect(
                (relations.object["facets"] as? [String: [[String: Any]]])?["relations.ownedBy"]?.first?["value"]
                    as? String
                    == "group:default/platform-team"
            )
            let missing = try await client.request(.get, "/api/catalog/entity-facets", as: .backend)
            #expect(message(missing) == "Missing facet query parameter, expected at least one facet such as facet=kind")
        }
    }

    @Test("the example catalog's relations, both directions, filterable", arguments: TestDatabaseEngine.allCases)
    func relations(_ engine: TestDatabaseEngine) async throws {
        try await withCatalog(engine) { client in
            let team = try await client.request(
                .get, "/api/catalog/entities/by-name/group/default/platform-team", as: .backend)
            let relations = (team.object["relations"] as? [[String: String]] ?? []).map {
                "\($0["type"] ?? "") \($0["targetRef"] ?? "")"
            }
            #expect(relations.contains("hasMember user:default/jane.doe"))
            #expect(relations.contains("ownerOf component:default/payment-service"))
            let owned = try await client.request(
                .get, "/api/catalog/entities?filter=relations.ownedBy=group:default/platform-team,kind=component",
                as: .backend)
            #expect(owned.array.count == 3)
            let provider = try await client.request(
                .get, "/api/catalog/entities?filter=relations.apiProvidedBy=component:default/payment-service",
                as: .backend)
            #expect(
                provider.array.compactMap { ($0["metadata"] as? [String: Any])?["name"] as? String } == ["payments-api"]
            )
        }
    }

    @Test(
        "validate-entity answers 200 or Backstage's errors body; refresh answers 200 or 404",
        arguments: TestDatabaseEngine.allCases
    )
    func validateAndRefresh(_ engine: TestDatabaseEngine) async throws {
        try await withCatalog(engine) { client in
            let valid = try await client.request(
                .post, "/api/catalog/validate-entity", as: .backend,
                jsonText: #"{"entity":\#(component("checked")),"location":"url:https://example.com/catalog-info.yaml"}"#
            )
            #expect(valid.status == 200)
            #expect(valid.text.isEmpty)
            // Validation stores nothing.
            let stored = try await client.request(
                .get, "/api/catalog/entities/by-name/component/default/checked", as: .backend)
            #expect(stored.status == 404)
            let invalid = try await client.request(
                .post, "/api/catalog/validate-entity", as: .backend,
                jsonText: #"{"entity":{"kind":"Component","metadata":{}},"location":"url:https://example.com/x.yaml"}"#)
            #expect(
                normalizedJSON(invalid.text)
                    == normalizedJSON(
                        #"{"errors":[{"name":"InputError","message":"Invalid entity: 'apiVersion' is required; "#
                            + #"'metadata.name' is required"}]}"#))
            #expect(invalid.status == 400)
            let badLocation = try await client.request(
                .post, "/api/catalog/validate-entity", as: .backend,
                jsonText: #"{"entity":\#(component("checked")),"location":"file:/x.yaml"}"#)
            #expect(badLocation.status == 400)
            #expect(
                normalizedJSON(badLocation.text)
                    == normalizedJSON(
                        #"{"errors":[{"name":"InputError","message":"Invalid location ref file:/x.yaml, only "#
                            + #"'url:<target>' is supported, e.g. url:https://host/path"}]}"#))

            let refreshed = try await client.request(
                .post, "/api/catalog/refresh", as: .backend, jsonText: #"{"entityRef":"group:default/platform-team"}"#)
            #expect(refreshed.status == 200)
            let missing = try await client.request(
                .post, "/api/catalog/refresh", as: .backend, jsonText: #"{"entityRef":"group:default/nobody"}"#)
            #expect(
                missing.text
                    == errorBody(
                        name: "NotFoundError",
                        message: "No entity named 'nobody' found, with kind 'group' in namespace 'default'",
                        method: "POST", url: "/refresh", status: 404))
            let bad = try await client.request(
                .post, "/api/catalog/refresh", as: .backend, jsonText: #"{"entityRef":"nobody"}"#)
            #expect(
                message(bad)
                    == "Invalid entityRef 'nobody', expected kind:namespace/name such as component:default/my-service")
        }
    }
}
