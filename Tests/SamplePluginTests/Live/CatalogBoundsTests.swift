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

/// One request cannot make the catalog do unbounded work: every input a handler iterates over has a limit that
/// answers 400 naming it, and the operator's entities cannot be replaced through the API.
@Suite("Catalog bounds", .serialized)
struct CatalogBoundsTests {
    /// Runs `body` against a catalog host with the example catalog on `engine`; `catalog` members replace defaults.
    private func withCatalog(
        _ engine: TestDatabaseEngine, catalog: JSONObject = [:], _ body: (BackendTestClient) async throws -> Void
    ) async throws {
        var section: JSONObject = ["locations": TestHosts.exampleLocations, "rules": TestHosts.exampleRules]
        for (key, value) in catalog { section[key] = value }
        let config = Config(TestHosts.config(extra: [("catalog", .object(section))]))
        try await TestBackend(plugins: [CatalogPlugin()], config: config).test(engine: engine) { try await body($0) }
    }

    private func message(_ response: BackendTestResponse) -> String? {
        (response.object["error"] as? [String: Any])?["message"] as? String
    }

    private func escaped(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }

    /// Expects a 400 InputError with exactly `text`.
    private func expectInputError(
        _ response: BackendTestResponse, _ text: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(response.status == 400, "\(response.text.prefix(300))", sourceLocation: sourceLocation)
        #expect(message(response) == text, sourceLocation: sourceLocation)
    }

    @Test("by-refs: at most refsPerRequest refs; a repeated ref is answered each time; too large an answer is refused")
    func byRefs() async throws {
        for engine in TestDatabaseEngine.allCases {
            try await withCatalog(engine, catalog: ["limits": ["responseBytes": 1_000_000]]) { client in
                let many = Array(repeating: "component:default/payment-service", count: 1001)
                let tooMany = try await client.request(
                    .post, "/api/catalog/entities/by-refs", as: .backend,
                    jsonText: JSONValue.object(["entityRefs": .array(many.map { .string($0) })]).jsonText())
                expectInputError(
                    tooMany, "Too many entityRefs: 1001 given, at most 1000 (catalog.limits.refsPerRequest)")

                let repeated = try await client.request(
                    .post, "/api/catalog/entities/by-refs", as: .backend,
                    jsonText: JSONValue.object(["entityRefs": .array(many.dropLast().map { .string($0) })]).jsonText())
                #expect(repeated.status == 200)
                let items = repeated.object["items"] as? [[String: Any]] ?? []
                #expect(items.count == 1000)

                // A 200 KB entity asked for 10 times would be a 2 MB answer: refused before it is built.
                let big = String(repeating: "x", count: 200_000)
                let created = try await client.request(
                    .post, "/api/catalog/entities", as: .backend,
                    jsonText: #"{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"big","#
                        + #""description":"\#(big)"}}"#)
                #expect(created.status == 201)
                let refs = JSONValue.array(Array(repeating: .string("component:default/big"), count: 10))
                let tooLarge = try await client.request(
                    .post, "/api/catalog/entities/by-refs", as: .backend,
                    jsonText: JSONValue.object(["entityRefs": refs]).jsonText())
                #expect(tooLarge.status == 400)
                #expect(
                    message(tooLarge)?.hasSuffix(
                        "more than 1000000 (catalog.limits.responseBytes); ask for fewer items or fewer fields")
                        == true,
                    "\(tooLarge.text.prefix(300))")
                let withFields = try await client.request(
                    .post, "/api/catalog/entities/by-refs", as: .backend,
                    jsonText: #"{"entityRefs":\#(refs.jsonText()),"fields":["metadata.name"]}"#)
                #expect(withFields.status == 200)
                #expect(withFields.text.count < 1000)
            }
        }
    }

    @Test("by-query and list bounds: orderField, filter clauses, keys and statements, limit, term length")
    func queryBounds() async throws {
        for engine in TestDatabaseEngine.allCases {
            try await withCatalog(engine) { client in
                let orders = Array(repeating: "orderField=metadata.name,asc", count: 11).joined(separator: "&")
                expectInputError(
                    try await client.request(.get, "/api/catalog/entities/by-query?\(orders)", as: .backend),
                    "Too many orderField parameters: 11 given, at most 10 (catalog.limits.orderFields)")

                let kinds = Array(repeating: "filter=kind", count: 501).joined(separator: "&")
                for path in ["/entities/by-query", "/entities", "/entity-facets?facet=kind&x=1"] {
                    let separator = path.contains("?") ? "&" : "?"
                    expectInputError(
                        try await client.request(.get, "/api/catalog" + path + separator + kinds, as: .backend),
                        "Too many filter parameters: 501 given, at most 20 (catalog.limits.filterClauses)")
                }
                let keys = (0..<65).map { "k\($0)=v" }.joined(separator: ",")
                expectInputError(
                    try await client.request(.get, "/api/catalog/entities/by-query?filter=\(keys)", as: .backend),
                    "Too many distinct keys in one filter: 65 given, at most 20 (catalog.limits.filterConditions)")
                let statements = (0..<101).map { "kind=k\($0)" }.joined(separator: ",")
                expectInputError(
                    try await client.request(.get, "/api/catalog/entities?filter=\(statements)", as: .backend),
                    "Too many filter statements: 101 given, at most 100 (catalog.limits.filterValues)")
                expectInputError(
                    try await client.request(.get, "/api/catalog/entities/by-query?limit=1001", as: .backend),
                    "Invalid limit query parameter '1001', at most 1000 (catalog.limits.pageSize)")
                let long = String(repeating: "a", count: 1025)
                expectInputError(
                    try await client.request(.get, "/api/catalog/entities?filter=kind=\(long)", as: .backend),
                    "Invalid filter, a term is 1025 bytes long, at most 1024 (catalog.limits.queryTermLength)")
                let facets = (0..<21).map { "facet=f\($0)" }.joined(separator: "&")
                expectInputError(
                    try await client.request(.get, "/api/catalog/entity-facets?\(facets)", as: .backend),
                    "Too many facet parameters: 21 given, at most 20 (catalog.limits.filterConditions)")
                // Within the bounds, the same requests answer.
                let within = (0..<20).map { "filter=kind=k\($0)" }.joined(separator: "&")
                #expect(
                    try await client.request(.get, "/api/catalog/entities/by-query?\(within)", as: .backend).status
                        == 200)
            }
        }
    }

    /// (A cursor of 330 order fields or 501 clauses does not get this far: its URL is over the HTTP layer's limit, 431.)
    @Test("a forged cursor is checked like a request: too many order fields or clauses, empty full-text fields")
    func forgedCursors() async throws {
        func cursor(_ query: JSONValue, values: Int) -> String {
            let json: JSONValue = .object([
                "query": query, "orderFieldValues": .array(Array(repeating: .string("a"), count: values)),
                "uid": "x", "isPrevious": false, "totalItems": 1,
            ])
            return Data(json.jsonText().utf8).base64EncodedString()
        }
        let orderField: JSONValue = ["field": "metadata.name", "order": "asc"]
        let manyOrders: JSONValue = [
            "filter": [], "orderFields": .array(Array(repeating: orderField, count: 11)),
        ]
        let emptyFields: JSONValue = [
            "filter": [], "orderFields": [], "fullTextFilter": ["term": "a", "fields": []],
        ]
        let manyClauses: JSONValue = [
            "filter": .array(Array(repeating: [["key": "kind", "values": ["component"]]], count: 21)),
            "orderFields": [],
        ]
        for engine in TestDatabaseEngine.allCases {
            try await withCatalog(engine) { client in
                expectInputError(
                    try await client.request(
                        .get, "/api/catalog/entities/by-query?cursor=\(escaped(cursor(manyOrders, values: 11)))",
                        as: .backend),
                    "Too many orderField parameters: 11 given, at most 10 (catalog.limits.orderFields)")
                expectInputError(
                    try await client.request(
                        .get, "/api/catalog/entities/by-query?cursor=\(escaped(cursor(emptyFields, values: 0)))",
                        as: .backend),
                    "Invalid fullTextFilterTerm, the term and its fields must not be empty")
                expectInputError(
                    try await client.request(
                        .get, "/api/catalog/entities/by-query?cursor=\(escaped(cursor(manyClauses, values: 0)))",
                        as: .backend),
                    "Too many filter parameters: 21 given, at most 20 (catalog.limits.filterClauses)")
            }
        }
    }

    @Test("a NUL character is a 400 on both engines, wherever it is")
    func nulCharacters() async throws {
        for engine in TestDatabaseEngine.allCases {
            try await withCatalog(engine) { client in
                for (path, parameter) in [
                    ("/entities?filter=kind=a%00b", "filter"),
                    ("/entities/by-query?filter=kind%00=a", "filter"),
                    ("/entities/by-query?orderField=metadata.na%00me,asc", "orderField"),
                    ("/entity-facets?facet=ki%00nd", "facet"),
                    ("/entities/by-query?fullTextFilterTerm=a%00", "fullTextFilterTerm"),
                    ("/entities/by-name/component/default/a%00b", "entity ref"),
                    ("/entities/by-uid/a%00b", "uid"),
                ] {
                    expectInputError(
                        try await client.request(.get, "/api/catalog" + path, as: .backend),
                        "Invalid \(parameter), it contains a NUL character")
                }
                let posted = try await client.request(
                    .post, "/api/catalog/entities", as: .backend,
                    jsonText: #"{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"n","#
                        + #""description":"a\u0000b"}}"#)
                expectInputError(posted, "Invalid entity: strings must not contain NUL characters (U+0000)")
                let refs = try await client.request(
                    .post, "/api/catalog/entities/by-refs", as: .backend,
                    jsonText: #"{"entityRefs":["component:default/a\u0000"]}"#)
                expectInputError(refs, "Invalid entityRefs, it contains a NUL character")
            }
        }
    }

    @Test("entities of catalog.locations cannot be deleted or replaced; posted entities carry the truth")
    func configuredEntitiesAreTheOperators() async throws {
        let templates = TestHosts.repositoryRoot + "/Examples/catalog/templates.yaml"
        for engine in TestDatabaseEngine.allCases {
            try await withCatalog(engine) { client in
                let path = "/entities/by-name/template/default/create-component"
                let deleted = try await client.request(.delete, "/api/catalog" + path, as: .backend)
                #expect(
                    deleted.text
                        == errorBody(
                            name: "NotAllowedError",
                            message: "Entity 'template:default/create-component' comes from catalog.locations "
                                + "(\(templates)); change it there", method: "DELETE", url: path, status: 403))
                let template = try await client.request(.get, "/api/catalog" + path, as: .backend)
                let uid = try #require((template.object["metadata"] as? [String: Any])?["uid"] as? String)
                #expect(
                    try await client.request(.delete, "/api/catalog/entities/by-uid/\(uid)", as: .backend).status == 403
                )
                let replacement = try await client.request(
                    .post, "/api/catalog/entities", as: .backend,
                    jsonText: #"{"apiVersion":"scaffolder.backstage.io/v1beta3","kind":"Template","#
                        + #""metadata":{"name":"create-component","annotations":{"#
                        + #""backstage.io/managed-by-location":"file:\#(templates)"}},"spec":{"steps":[]}}"#)
                #expect(replacement.status == 409)
                #expect(try await client.request(.get, "/api/catalog" + path, as: .backend).text == template.text)

                // Forged location annotations are replaced with where the entity came from.
                let posted = try await client.request(
                    .post, "/api/catalog/entities", as: .backend,
                    jsonText: #"{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"p","#
                        + #""annotations":{"backstage.io/managed-by-location":"file:\#(templates)","#
                        + #""backstage.io/managed-by-origin-location":"file:/etc/x.yaml"}}}"#)
                #expect(posted.status == 201)
                let annotations = (posted.object["metadata"] as? [String: Any])?["annotations"] as? [String: String]
                #expect(annotations?["backstage.io/managed-by-location"] == "api:/api/catalog/entities")
                #expect(annotations?["backstage.io/managed-by-origin-location"] == "api:/api/catalog/entities")
                // Posted entities can still be deleted.
                #expect(
                    try await client.request(.delete, "/api/catalog/entities/by-name/component/default/p", as: .backend)
                        .status
                        == 204)
            }
        }
    }

    @Test("annotation values and Location targets are bounded")
    func annotationAndTargetLengths() async throws {
        try await withCatalog(.sqlite) { client in
            let long = String(repeating: "a", count: 65537)
            let annotation = try await client.request(
                .post, "/api/catalog/entities", as: .backend,
                jsonText: #"{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"a","#
                    + #""annotations":{"example.com/x":"\#(long)"}}}"#)
            expectInputError(
                annotation, "Invalid entity: 'metadata.annotations.example.com/x' is 65537 bytes long, at most 65536")
            let target = String(repeating: "*", count: 4097)
            let location = try await client.request(
                .post, "/api/catalog/entities", as: .backend,
                jsonText: #"{"apiVersion":"backstage.io/v1alpha1","kind":"Location","metadata":{"name":"l"},"#
                    + #""spec":{"targets":["./a.yaml","\#(target)"]}}"#)
            expectInputError(location, "Invalid entity: 'spec.targets[1]' is 4097 bytes long, at most 4096")
        }
    }

    @Test("catalog.limits values are checked at startup")
    func limitsConfig() async throws {
        let config = Config(
            ["catalog": ["limits": ["filterConditions": 64]]], source: "app-config.yaml")
        #expect(
            CatalogPlugin().checkConfig(config).map { "\($0)" } == [
                "Invalid value in config for key 'catalog.limits.filterConditions' in 'app-config.yaml', wanted an "
                    + "integer from 1 to 60"
            ])
    }
}
