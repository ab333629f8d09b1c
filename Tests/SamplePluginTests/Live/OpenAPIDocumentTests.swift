import BackendConfig
import BackendKit
import BackendRuntime
import BackendTestSupport
import BackendTesting
import Foundation
import NIOHTTP1
import Testing

/// Each sample plugin serves its `Sources/<Plugin>/openapi.json` at `GET /api/<id>/openapi.json`, publicly, with
/// `servers` pointing at its external base URL, so a client generated from it calls the right host.
/// scripts/ci-checks/schemathesis validates the documents and fuzzes the routes from them.
@Suite("OpenAPI documents", .serialized)
struct OpenAPIDocumentTests {
    /// The plugin id and its source directory.
    static let plugins = [("catalog", "CatalogPlugin"), ("scaffolder", "ScaffolderPlugin"), ("search", "SearchPlugin")]

    /// A JSON text as a Foundation object.
    private func parse(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("served without a token, as in the repository, with servers set to the external base URL")
    func served() async throws {
        let config = TestHosts.config(auth: ["keys": [["secret": "c2VydmVkLW9wZW5hcGktZG9jdW1lbnRzLWtleS0wMTIzNDU2"]]])
        try await TestBackend(plugins: TestHosts.allPlugins, config: Config(config)).test { client in
            for (id, directory) in Self.plugins {
                let response = try await client.get("/api/\(id)/openapi.json")
                #expect(response.status == 200, "\(id): \(response.text)")
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                var served = try parse(response.text)
                let servers = served["servers"] as? [[String: Any]]
                #expect(servers?.count == 1)
                #expect(servers?.first?["url"] as? String == "http://127.0.0.1:7007/api/\(id)")
                #expect(served["openapi"] as? String == "3.1.0")

                // Apart from `servers`, the document is the file in the repository.
                let path = "\(TestHosts.repositoryRoot)/Sources/\(directory)/openapi.json"
                var file = try parse(try String(contentsOfFile: path, encoding: .utf8))
                served["servers"] = nil
                file["servers"] = nil
                #expect(NSDictionary(dictionary: served).isEqual(to: file), "\(id)")

                // Public is declared where it is true: only the document itself; everything else needs the token.
                let paths = try #require(served["paths"] as? [String: [String: Any]])
                let document = paths["/openapi.json"]?["get"] as? [String: Any]
                #expect((document?["security"] as? [Any])?.isEmpty == true)
                #expect(served["security"] as? [[String: [String]]] == [["bearerAuth": []]])
            }
            // And the routes the documents call protected are.
            let refused = try await client.get("/api/catalog/entities")
            #expect(refused.status == 401)
        }
    }

    @Test("every route of the API tables is in its document")
    func routesAreDocumented() async throws {
        let expected: [String: [(String, String)]] = [
            "CatalogPlugin": [
                ("get", "/entities"), ("post", "/entities"), ("get", "/entities/by-query"),
                ("post", "/entities/by-refs"), ("get", "/entity-facets"), ("post", "/validate-entity"),
                ("post", "/refresh"), ("get", "/locations"), ("post", "/locations"), ("get", "/locations/{id}"),
                ("delete", "/locations/{id}"), ("get", "/locations/by-entity/{kind}/{namespace}/{name}"),
                ("get", "/entities/by-name/{kind}/{namespace}/{name}/ancestry"),
                ("get", "/entities/by-name/{kind}/{namespace}/{name}"),
                ("delete", "/entities/by-name/{kind}/{namespace}/{name}"),
                ("get", "/entities/by-uid/{uid}"), ("delete", "/entities/by-uid/{uid}"), ("get", "/openapi.json"),
            ],
            "ScaffolderPlugin": [
                ("get", "/v2/actions"), ("post", "/v2/tasks"), ("get", "/v2/tasks"), ("get", "/v2/tasks/{id}"),
                ("get", "/v2/tasks/{id}/events"), ("get", "/v2/tasks/{id}/eventstream"),
                ("post", "/v2/tasks/{id}/cancel"), ("post", "/v2/dry-run"),
                ("get", "/openapi.json"),
            ],
            "SearchPlugin": [
                ("get", "/query"), ("post", "/collators/catalog/refresh"), ("get", "/collators"),
                ("get", "/openapi.json"),
            ],
        ]
        for (directory, operations) in expected {
            let path = "\(TestHosts.repositoryRoot)/Sources/\(directory)/openapi.json"
            let document = try parse(try String(contentsOfFile: path, encoding: .utf8))
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            let documented = paths.flatMap { path, item in
                item.keys.filter { $0 != "parameters" }.map { "\($0) \(path)" }
            }
            #expect(Set(documented) == Set(operations.map { "\($0.0) \($0.1)" }), "\(directory)")
        }
    }
}
