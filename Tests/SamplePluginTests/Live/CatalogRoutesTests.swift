import BackendConfig
import BackendKit
import BackendRuntime
import BackendTestSupport
import BackendTesting
import CatalogPlugin
import Foundation
import NIOHTTP1
import ServiceLifecycle
import Testing

@Suite("Catalog HTTP API", .serialized)
struct CatalogRoutesTests {
    private func withCatalog(_ body: (BackendTestClient) async throws -> Void) async throws {
        try await TestBackend(plugins: [CatalogPlugin()], config: Config(TestHosts.config())).test {
            try await body($0)
        }
    }

    @Test("GET /entities filters, pages and selects fields")
    func list() async throws {
        try await withCatalog { client in
            let all = try await client.request(.get, "/api/catalog/entities", as: .backend)
            #expect(all.status == 200)
            #expect(all.array.count == TestHosts.exampleEntityCount)
            // The array is assembled from the stored bodies: each element is byte for byte the by-name body.
            let page = try await client.request(
                .get, "/api/catalog/entities?filter=kind=component&limit=2", as: .backend)
            let first = try await client.request(
                .get, "/api/catalog/entities/by-name/component/default/checkout-web", as: .backend)
            let second = try await client.request(
                .get, "/api/catalog/entities/by-name/component/default/ledger-lib", as: .backend)
            #expect(page.text == "[\(first.text),\(second.text)]")
            let none = try await client.request(.get, "/api/catalog/entities?filter=kind=nothing", as: .backend)
            #expect(none.text == "[]")
            #expect(none.headers[.contentType] == "application/json; charset=utf-8")

            let components = try await client.request(.get, "/api/catalog/entities?filter=kind=component", as: .backend)
            #expect(
                Set(components.array.compactMap { ($0["metadata"] as? [String: Any])?["name"] as? String })
                    == ["payment-service", "checkout-web", "ledger-lib"])

            let services = try await client.request(
                .get, "/api/catalog/entities?filter=KIND=Component,spec.type=service&filter=kind=template", as: .backend
            )
            #expect(
                Set(services.array.compactMap { ($0["metadata"] as? [String: Any])?["name"] as? String })
                    == ["payment-service", "create-component"])

            let named = try await client.request(
                .get, "/api/catalog/entities?filter=kind=component,metadata.name=ledger-lib&fields=metadata.name",
                as: .backend)
            #expect(normalizedJSON(named.text) == #"[{"metadata":{"name":"ledger-lib"}}]"#)

            var names: [String] = []
            var offset = 0
            while true {
                let page = try await client.request(
                    .get, "/api/catalog/entities?limit=3&offset=\(offset)&fields=metadata.name", as: .backend)
                names += page.array.compactMap { ($0["metadata"] as? [String: Any])?["name"] as? String }
                if page.array.count < 3 { break }
                offset += 3
            }
            #expect(names.count == TestHosts.exampleEntityCount)
            #expect(Set(names).count == names.count)

            let badLimit = try await client.request(.get, "/api/catalog/entities?limit=-1", as: .backend)
            #expect(
                badLimit.text
                    == errorBody(
                        name: "InputError",
                        message: "Invalid limit query parameter '-1', expected a non-negative integer",
                        method: "GET", url: "/entities?limit=-1", status: 400))
            let badFilter = try await client.request(.get, "/api/catalog/entities?filter=%3Dx", as: .backend)
            #expect(badFilter.status == 400)
            #expect(
                badFilter.object["error"].flatMap { ($0 as? [String: Any])?["message"] as? String }
                    == "Invalid filter, '=x' is not a valid statement (expected a string on the form a=b or a= or a)")
        }
    }

    @Test("GET by name: case-insensitive kind and namespace; 404 body is Backstage's")
    func byName() async throws {
        try await withCatalog { client in
            let found = try await client.request(
                .get, "/api/catalog/entities/by-name/COMPONENT/Default/payment-service", as: .backend)
            #expect(found.status == 200)
            #expect((found.object["metadata"] as? [String: Any])?["namespace"] as? String == "default")

            let missing = try await client.request(
                .get, "/api/catalog/entities/by-name/component/default/nope", as: .backend)
            #expect(missing.status == 404)
            #expect(
                missing.text
                    == errorBody(
                        name: "NotFoundError",
                        message: "No entity named 'nope' found, with kind 'component' in namespace 'default'",
                        method: "GET", url: "/entities/by-name/component/default/nope", status: 404))

            // Path parameters are percent-decoded; an invalid escape is looked up as written and not found.
            let escaped = try await client.request(
                .get, "/api/catalog/entities/by-name/component/default/payment%2Dservice", as: .backend)
            #expect(escaped.status == 200)
            #expect(escaped.text == found.text)
            let invalid = try await client.request(
                .get, "/api/catalog/entities/by-name/component/default/pay%zz", as: .backend)
            #expect(invalid.status == 404)
            #expect(
                (invalid.object["error"] as? [String: Any])?["message"] as? String
                    == "No entity named 'pay%zz' found, with kind 'component' in namespace 'default'")
        }
    }

    @Test("GET by name serves the stored entity's bytes: the 201 body of its POST, keys sorted, relations computed")
    func byNameBytes() async throws {
        try await withCatalog { client in
            let entity =
                #"{"kind":"Component","apiVersion":"backstage.io/v1alpha1","metadata":{"name":"bytes","uid":"u-1","#
                + #""namespace":"lab","annotations":{"b/x":"1","a":"\"q\""}},"spec":{"weight":1.5,"n":[1,null,true]}}"#
            let created = try await client.request(.post, "/api/catalog/entities", as: .backend, jsonText: entity)
            #expect(created.status == 201)
            let expected =
                #"{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"annotations":{"a":"\"q\"","#
                + #""b/x":"1","backstage.io/managed-by-location":"api:/api/catalog/entities","#
                + #""backstage.io/managed-by-origin-location":"api:/api/catalog/entities"},"#
                + #""name":"bytes","namespace":"lab","uid":"u-1"},"relations":[],"#
                + #""spec":{"n":[1,null,true],"weight":1.5}}"#
            #expect(created.text == expected)
            let read = try await client.request(.get, "/api/catalog/entities/by-name/component/lab/bytes", as: .backend)
            #expect(read.status == 200)
            #expect(read.headers[.contentType] == "application/json; charset=utf-8")
            #expect(read.text == expected)
        }
    }

    @Test("POST validates (400), conflicts (409), creates (201); DELETE answers 204 then 404")
    func writes() async throws {
        try await withCatalog { client in
            let invalid = try await client.request(
                .post, "/api/catalog/entities", as: .backend, jsonText: #"{"kind":"Component","metadata":{}}"#)
            #expect(
                invalid.text
                    == errorBody(
                        name: "InputError",
                        message: "Invalid entity: 'apiVersion' is required; 'metadata.name' is required",
                        method: "POST", url: "/entities", status: 400))

            let notJSON = try await client.request(.post, "/api/catalog/entities", as: .backend, jsonText: "{nope")
            #expect(
                notJSON.text
                    == errorBody(
                        name: "InputError", message: "The request body is not valid JSON", method: "POST",
                        url: "/entities",
                        status: 400))

            let existing =
                #"{"apiVersion":"backstage.io/v1alpha1","kind":"component","metadata":{"name":"Payment-Service"}}"#
            let conflict = try await client.request(.post, "/api/catalog/entities", as: .backend, jsonText: existing)
            #expect(
                conflict.text
                    == errorBody(
                        name: "ConflictError", message: "Entity 'component:default/Payment-Service' already exists",
                        method: "POST", url: "/entities", status: 409))

            let fresh =
                #"{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"fresh","namespace":"lab"},"spec":{"type":"service","owner":"me"}}"#
            let created = try await client.request(.post, "/api/catalog/entities", as: .backend, jsonText: fresh)
            #expect(created.status == 201)
            #expect((created.object["metadata"] as? [String: Any])?["uid"] is String)
            #expect(
                try await client.request(.get, "/api/catalog/entities/by-name/component/lab/fresh", as: .backend).status
                    == 200)

            let uid = try #require((created.object["metadata"] as? [String: Any])?["uid"] as? String)
            let byUID = try await client.request(.get, "/api/catalog/entities/by-uid/\(uid)", as: .backend)
            #expect((byUID.object["metadata"] as? [String: Any])?["name"] as? String == "fresh")
            let noUID = try await client.request(.get, "/api/catalog/entities/by-uid/nope", as: .backend)
            #expect(
                noUID.text
                    == errorBody(
                        name: "NotFoundError", message: "No entity with uid nope", method: "GET",
                        url: "/entities/by-uid/nope", status: 404))

            let deleted = try await client.request(
                .delete, "/api/catalog/entities/by-name/component/lab/fresh", as: .backend)
            #expect(deleted.status == 204)
            #expect(deleted.text.isEmpty)
            let again = try await client.request(
                .delete, "/api/catalog/entities/by-name/component/lab/fresh", as: .backend)
            #expect(
                again.text
                    == errorBody(
                        name: "NotFoundError",
                        message: "No entity named 'fresh' found, with kind 'component' in namespace 'lab'",
                        method: "DELETE", url: "/entities/by-name/component/lab/fresh", status: 404))
        }
    }

    @Test("a missing catalog file fails startup with the path and the config key that named it")
    func missingFile() async throws {
        let config = TestHosts.config(extra: [
            ("catalog", ["locations": [["type": "file", "target": "/nonexistent/x.yaml"]]])
        ])
        do {
            try await TestBackend(plugins: [CatalogPlugin()], config: Config(config)).test { _ in }
            Issue.record("startup should fail")
        } catch let error as BackendStartupError {
            #expect(
                error.reason.contains(
                    "Failed to read catalog location '/nonexistent/x.yaml' (catalog.locations[0].target): "
                        + "No such file or directory"))
        }
    }
}
