import BackendKit
import BackendTestSupport
import CatalogPlugin
import Foundation
import NIOHTTP1
import Testing

@Suite("Catalog locations API", .serialized)
struct CatalogLocationRoutesTests {
    private func withCatalog(_ engine: Engine, _ body: (RunningBackend, URL) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await TestDatabases.withPrefix(engine, dropping: ["catalog"]) { prefix in
            let backend: JSONValue = [
                "baseUrl": "http://127.0.0.1:7007",
                "database": try TestDatabases.section(engine, directory: directory, prefix: prefix),
            ]
            try await TestHosts.with(TestHosts.config(extra: [("backend", backend)]), plugins: [CatalogPlugin()]) {
                try await body($0, directory)
            }
        }
    }

    private func message(_ response: TestResponse) -> String? {
        (response.object["error"] as? [String: Any])?["message"] as? String
    }

    @Test(
        "config locations are listed; entities carry managed-by annotations; by-entity finds their location",
        arguments: Engine.allCases)
    func configLocations(_ engine: Engine) async throws {
        try await withCatalog(engine) { host, _ in
            let list = try await send(.GET, host.url("catalog", "/locations"))
            #expect(list.status == 200)
            let locations = list.array.compactMap { $0["data"] as? [String: String] }
            let entitiesFile = TestHosts.repositoryRoot + "/Examples/catalog/entities.yaml"
            #expect(
                locations.map { $0["target"] } == [
                    entitiesFile, TestHosts.repositoryRoot + "/Examples/catalog/templates.yaml",
                ])
            #expect(locations.allSatisfy { $0["type"] == "file" && $0["id"]?.isEmpty == false })
            let id = try #require(locations.first?["id"])

            let one = try await send(.GET, host.url("catalog", "/locations/\(id)"))
            #expect(
                normalizedJSON(one.body)
                    == normalizedJSON(#"{"id":"\#(id)","type":"file","target":"\#(entitiesFile)"}"#))
            let entity = try await send(
                .GET, host.url("catalog", "/entities/by-name/component/default/payment-service"))
            let annotations = (entity.object["metadata"] as? [String: Any])?["annotations"] as? [String: String]
            #expect(annotations?["backstage.io/managed-by-location"] == "file:\(entitiesFile)")
            #expect(annotations?["backstage.io/managed-by-origin-location"] == "file:\(entitiesFile)")
            let byEntity = try await send(
                .GET, host.url("catalog", "/locations/by-entity/component/default/payment-service"))
            #expect(byEntity.body == one.body)

            let missing = try await send(.GET, host.url("catalog", "/locations/nope"))
            #expect(
                missing.body
                    == errorBody(
                        name: "NotFoundError", message: "Found no location with ID nope", method: "GET",
                        url: "/locations/nope", status: 404))
            let configured = try await send(.DELETE, host.url("catalog", "/locations/\(id)"))
            #expect(configured.status == 400)
            #expect(
                message(configured)
                    == "Location file:\(entitiesFile) is declared in catalog.locations; remove it from the config instead"
            )
        }
    }

    @Test(
        "POST /locations registers a file (dry run first), conflicts once registered; DELETE removes its entities",
        arguments: Engine.allCases)
    func registered(_ engine: Engine) async throws {
        try await withCatalog(engine) { host, directory in
            let file = directory.appendingPathComponent("more.yaml").path
            try """
            apiVersion: backstage.io/v1alpha1
            kind: Component
            metadata: {name: extra-service}
            spec: {type: service, owner: platform-team}
            ---
            apiVersion: backstage.io/v1alpha1
            kind: Group
            metadata: {name: extra-team}
            spec: {type: team, parent: platform-team}
            """.write(toFile: file, atomically: true, encoding: .utf8)
            let body = #"{"type":"file","target":"\#(file)"}"#

            let dry = try await send(.POST, host.url("catalog", "/locations?dryRun=true"), json: body)
            #expect(dry.status == 201)
            #expect(dry.object["exists"] as? Bool == false)
            #expect((dry.object["entities"] as? [Any])?.count == 2)
            #expect(
                try await send(.GET, host.url("catalog", "/entities/by-name/component/default/extra-service")).status
                    == 404)

            let created = try await send(.POST, host.url("catalog", "/locations"), json: body)
            #expect(created.status == 201)
            let location = try #require(created.object["location"] as? [String: String])
            #expect(location["target"] == file)
            #expect((created.object["entities"] as? [Any])?.count == 2)
            let id = try #require(location["id"])
            let team = try await send(.GET, host.url("catalog", "/entities/by-name/group/default/platform-team"))
            #expect(team.body.contains(#"{"targetRef":"group:default/extra-team","type":"parentOf"}"#))
            let byEntity = try await send(.GET, host.url("catalog", "/locations/by-entity/group/default/extra-team"))
            #expect((byEntity.object["id"] as? String) == id)
            let again = try await send(.POST, host.url("catalog", "/locations"), json: body)
            #expect(again.status == 409)
            #expect(message(again) == "Location file:\(file) already exists")
            let dryAgain = try await send(.POST, host.url("catalog", "/locations?dryRun=true"), json: body)
            #expect(dryAgain.object["exists"] as? Bool == true)
            #expect(try await send(.GET, host.url("catalog", "/locations")).array.count == 3)

            let deleted = try await send(.DELETE, host.url("catalog", "/locations/\(id)"))
            #expect(deleted.status == 204)
            #expect(
                try await send(.GET, host.url("catalog", "/entities/by-name/component/default/extra-service")).status
                    == 404)
            let teamAfter = try await send(.GET, host.url("catalog", "/entities/by-name/group/default/platform-team"))
            #expect(!teamAfter.body.contains("extra-team"))
            #expect(try await send(.GET, host.url("catalog", "/locations/\(id)")).status == 404)

            let unreadable = try await send(
                .POST, host.url("catalog", "/locations"), json: #"{"type":"file","target":"/nonexistent/x.yaml"}"#)
            #expect(unreadable.status == 400)
            #expect(
                message(unreadable)
                    == "Failed to read catalog location '/nonexistent/x.yaml': No such file or directory")
            let url = try await send(
                .POST, host.url("catalog", "/locations"), json: #"{"type":"url","target":"https://example.com/x"}"#)
            #expect(message(url) == "Invalid location type 'url', only 'file' is supported by this catalog")
        }
    }

    @Test(
        "ancestry: an entity, the Location entity whose target named its file, and so on up", arguments: Engine.allCases
    )
    func ancestry(_ engine: Engine) async throws {
        try await withCatalog(engine) { host, directory in
            let sub = directory.appendingPathComponent("sub")
            try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
            try """
            apiVersion: backstage.io/v1alpha1
            kind: Location
            metadata: {name: root-location}
            spec: {type: file, targets: [./sub/*.yaml]}
            """.write(toFile: directory.appendingPathComponent("root.yaml").path, atomically: true, encoding: .utf8)
            try """
            apiVersion: backstage.io/v1alpha1
            kind: Component
            metadata: {name: leaf}
            spec: {type: service, owner: platform-team}
            """.write(toFile: sub.appendingPathComponent("leaf.yaml").path, atomically: true, encoding: .utf8)
            let created = try await send(
                .POST, host.url("catalog", "/locations"),
                json: #"{"type":"file","target":"\#(directory.appendingPathComponent("root.yaml").path)"}"#)
            #expect(created.status == 201, "\(created.body)")

            let response = try await send(
                .GET, host.url("catalog", "/entities/by-name/component/default/leaf/ancestry"))
            #expect(response.status == 200)
            #expect(response.object["rootEntityRef"] as? String == "component:default/leaf")
            let items = response.object["items"] as? [[String: Any]] ?? []
            let summary = items.map { item in
                let metadata = (item["entity"] as? [String: Any])?["metadata"] as? [String: Any]
                return "\(metadata?["name"] as? String ?? "") <- \(item["parentEntityRefs"] as? [String] ?? [])"
            }
            #expect(summary == ["leaf <- [\"location:default/root-location\"]", "root-location <- []"])

            let missing = try await send(.GET, host.url("catalog", "/entities/by-name/component/default/nope/ancestry"))
            #expect(
                missing.body
                    == errorBody(
                        name: "NotFoundError", message: "No such entity component:default/nope", method: "GET",
                        url: "/entities/by-name/component/default/nope/ancestry", status: 404))
        }
    }
}
