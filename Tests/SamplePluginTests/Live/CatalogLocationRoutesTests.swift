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

@Suite("Catalog locations API", .serialized)
struct CatalogLocationRoutesTests {
    /// Runs `body` against a catalog host on `engine` whose `catalog.fileLocationRoots` is a fresh temporary
    /// directory (passed to `body`); `catalog` members replace the defaults (`fileLocationRoots: null` unsets it).
    private func withCatalog(
        _ engine: TestDatabaseEngine, catalog: JSONObject = [:],
        _ body: (BackendTestClient, URL) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var section: JSONObject = [
            "locations": TestHosts.exampleLocations, "rules": TestHosts.exampleRules,
            "fileLocationRoots": [.string(directory.path)],
        ]
        for (key, value) in catalog { section[key] = value }
        let config = Config(TestHosts.config(extra: [("catalog", .object(section))]))
        try await TestBackend(plugins: [CatalogPlugin()], config: config).test(engine: engine) {
            try await body($0, directory)
        }
    }

    private func message(_ response: BackendTestResponse) -> String? {
        (response.object["error"] as? [String: Any])?["message"] as? String
    }

    @Test(
        "config locations are listed; entities carry managed-by annotations; by-entity finds their location",
        arguments: TestDatabaseEngine.allCases)
    func configLocations(_ engine: TestDatabaseEngine) async throws {
        try await withCatalog(engine) { client, _ in
            let list = try await client.request(.get, "/api/catalog/locations", as: .backend)
            #expect(list.status == 200)
            let locations = list.array.compactMap { $0["data"] as? [String: String] }
            let entitiesFile = TestHosts.repositoryRoot + "/Examples/catalog/entities.yaml"
            #expect(
                locations.map { $0["target"] } == [
                    entitiesFile, TestHosts.repositoryRoot + "/Examples/catalog/templates.yaml",
                ])
            #expect(locations.allSatisfy { $0["type"] == "file" && $0["id"]?.isEmpty == false })
            let id = try #require(locations.first?["id"])

            let one = try await client.request(.get, "/api/catalog/locations/\(id)", as: .backend)
            #expect(
                normalizedJSON(one.text)
                    == normalizedJSON(#"{"id":"\#(id)","type":"file","target":"\#(entitiesFile)"}"#))
            let entity = try await client.request(
                .get, "/api/catalog/entities/by-name/component/default/payment-service", as: .backend)
            let annotations = (entity.object["metadata"] as? [String: Any])?["annotations"] as? [String: String]
            #expect(annotations?["backstage.io/managed-by-location"] == "file:\(entitiesFile)")
            #expect(annotations?["backstage.io/managed-by-origin-location"] == "file:\(entitiesFile)")
            let byEntity = try await client.request(
                .get, "/api/catalog/locations/by-entity/component/default/payment-service", as: .backend)
            #expect(byEntity.text == one.text)

            let missing = try await client.request(.get, "/api/catalog/locations/nope", as: .backend)
            #expect(
                missing.text
                    == errorBody(
                        name: "NotFoundError", message: "Found no location with ID nope", method: "GET",
                        url: "/locations/nope", status: 404))
            let configured = try await client.request(.delete, "/api/catalog/locations/\(id)", as: .backend)
            #expect(configured.status == 400)
            #expect(
                message(configured)
                    == "Location file:\(entitiesFile) is declared in catalog.locations; remove it from the config instead"
            )
        }
    }

    @Test(
        "POST /locations registers a file (dry run first), conflicts once registered; DELETE removes its entities",
        arguments: TestDatabaseEngine.allCases)
    func registered(_ engine: TestDatabaseEngine) async throws {
        try await withCatalog(engine) { client, directory in
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

            let dry = try await client.request(
                .post, "/api/catalog/locations?dryRun=true", as: .backend, jsonText: body)
            #expect(dry.status == 201)
            #expect(dry.object["exists"] as? Bool == false)
            #expect((dry.object["entities"] as? [Any])?.count == 2)
            #expect(
                try await client.request(
                    .get, "/api/catalog/entities/by-name/component/default/extra-service", as: .backend
                )
                .status
                    == 404)

            let created = try await client.request(.post, "/api/catalog/locations", as: .backend, jsonText: body)
            #expect(created.status == 201)
            let location = try #require(created.object["location"] as? [String: String])
            #expect(location["target"] == file)
            #expect((created.object["entities"] as? [Any])?.count == 2)
            let id = try #require(location["id"])
            let team = try await client.request(
                .get, "/api/catalog/entities/by-name/group/default/platform-team", as: .backend)
            #expect(team.text.contains(#"{"targetRef":"group:default/extra-team","type":"parentOf"}"#))
            let byEntity = try await client.request(
                .get, "/api/catalog/locations/by-entity/group/default/extra-team", as: .backend)
            #expect((byEntity.object["id"] as? String) == id)
            let again = try await client.request(.post, "/api/catalog/locations", as: .backend, jsonText: body)
            #expect(again.status == 409)
            #expect(message(again) == "Location file:\(file) already exists")
            let dryAgain = try await client.request(
                .post, "/api/catalog/locations?dryRun=true", as: .backend, jsonText: body)
            #expect(dryAgain.object["exists"] as? Bool == true)
            #expect(try await client.request(.get, "/api/catalog/locations", as: .backend).array.count == 3)

            let deleted = try await client.request(.delete, "/api/catalog/locations/\(id)", as: .backend)
            #expect(deleted.status == 204)
            #expect(
                try await client.request(
                    .get, "/api/catalog/entities/by-name/component/default/extra-service", as: .backend
                )
                .status
                    == 404)
            let teamAfter = try await client.request(
                .get, "/api/catalog/entities/by-name/group/default/platform-team", as: .backend)
            #expect(!teamAfter.text.contains("extra-team"))
            #expect(try await client.request(.get, "/api/catalog/locations/\(id)", as: .backend).status == 404)

            let missing = directory.appendingPathComponent("missing.yaml").path
            let unreadable = try await client.request(
                .post, "/api/catalog/locations", as: .backend, jsonText: #"{"type":"file","target":"\#(missing)"}"#)
            #expect(unreadable.status == 400)
            #expect(message(unreadable) == "Failed to read catalog location '\(missing)': No such file or directory")
            let url = try await client.request(
                .post, "/api/catalog/locations", as: .backend,
                jsonText: #"{"type":"url","target":"https://example.com/x"}"#)
            #expect(message(url) == "Invalid location type 'url', only 'file' is supported by this catalog")
        }
    }

    @Test(
        "ancestry: an entity, the Location entity whose target named its file, and so on up",
        arguments: TestDatabaseEngine.allCases
    )
    func ancestry(_ engine: TestDatabaseEngine) async throws {
        try await withCatalog(engine) { client, directory in
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
            let created = try await client.request(
                .post, "/api/catalog/locations", as: .backend,
                jsonText: #"{"type":"file","target":"\#(directory.appendingPathComponent("root.yaml").path)"}"#)
            #expect(created.status == 201, "\(created.text)")

            let response = try await client.request(
                .get, "/api/catalog/entities/by-name/component/default/leaf/ancestry", as: .backend)
            #expect(response.status == 200)
            #expect(response.object["rootEntityRef"] as? String == "component:default/leaf")
            let items = response.object["items"] as? [[String: Any]] ?? []
            let summary = items.map { item in
                let metadata = (item["entity"] as? [String: Any])?["metadata"] as? [String: Any]
                return "\(metadata?["name"] as? String ?? "") <- \(item["parentEntityRefs"] as? [String] ?? [])"
            }
            #expect(summary == ["leaf <- [\"location:default/root-location\"]", "root-location <- []"])

            let missing = try await client.request(
                .get, "/api/catalog/entities/by-name/component/default/nope/ancestry", as: .backend)
            #expect(
                missing.text
                    == errorBody(
                        name: "NotFoundError", message: "No such entity component:default/nope", method: "GET",
                        url: "/entities/by-name/component/default/nope/ancestry", status: 404))
        }
    }

    /// Writes `text` to `path`, creating its directory.
    private func write(_ text: String, _ path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// A Kubernetes Secret manifest, the file the confinement keeps callers from reading.
    private let secretManifest = """
        apiVersion: v1
        kind: Secret
        metadata: {name: db-password}
        stringData: {password: hunter2}
        """

    @Test(
        "registration reads only inside catalog.fileLocationRoots: outside, '..', symlinks, a followed target, a missing file: one 400, nothing stored",
        arguments: TestDatabaseEngine.allCases)
    func confinedToRoots(_ engine: TestDatabaseEngine) async throws {
        try await withCatalog(engine) { client, directory in
            let root = directory.path
            let outside = FileManager.default.temporaryDirectory.appendingPathComponent("outside-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: outside) }
            let secret = outside.appendingPathComponent("secret.yaml").path
            try write(secretManifest, secret)
            try FileManager.default.createSymbolicLink(atPath: root + "/link.yaml", withDestinationPath: secret)
            try FileManager.default.createSymbolicLink(atPath: root + "/linked-dir", withDestinationPath: outside.path)
            try write(
                """
                apiVersion: backstage.io/v1alpha1
                kind: Component
                metadata: {name: inside-service}
                spec: {type: service, owner: platform-team}
                ---
                apiVersion: backstage.io/v1alpha1
                kind: Location
                metadata: {name: escape}
                spec: {type: file, target: ../\(outside.lastPathComponent)/secret.yaml}
                """, root + "/pointer.yaml")
            let before = try await client.request(.get, "/api/catalog/locations", as: .backend)

            func refusal(_ target: String, dryRun: Bool = false) async throws -> BackendTestResponse {
                let path = "/locations" + (dryRun ? "?dryRun=true" : "")
                let response = try await client.request(
                    .post, "/api/catalog" + path, as: .backend, jsonText: #"{"type":"file","target":"\#(target)"}"#)
                #expect(
                    response.text
                        == errorBody(
                            name: "InputError",
                            message: "Location target '\(target)' is outside catalog.fileLocationRoots",
                            method: "POST", url: path, status: 400), "\(target)")
                return response
            }
            _ = try await refusal(secret)
            _ = try await refusal(secret, dryRun: true)
            _ = try await refusal(outside.appendingPathComponent("missing.yaml").path)
            _ = try await refusal("/etc/shadow")
            _ = try await refusal(root + "/../\(outside.lastPathComponent)/secret.yaml")
            _ = try await refusal(root + "/link.yaml")
            _ = try await refusal(root + "/linked-dir/secret.yaml")
            _ = try await refusal(root + "/linked-dir/*.yaml")

            // A Location entity inside the roots whose target leaves them: the target as the file wrote it.
            let pointer = try await client.request(
                .post, "/api/catalog/locations", as: .backend,
                jsonText: #"{"type":"file","target":"\#(root)/pointer.yaml"}"#)
            #expect(pointer.status == 400)
            #expect(
                message(pointer)
                    == "Location target '../\(outside.lastPathComponent)/secret.yaml' is outside catalog.fileLocationRoots"
            )

            // Nothing was stored: no location, no entity, no secret.
            #expect(try await client.request(.get, "/api/catalog/locations", as: .backend).text == before.text)
            #expect(
                try await client.request(
                    .get, "/api/catalog/entities/by-name/component/default/inside-service", as: .backend
                )
                .status
                    == 404)
            #expect(
                try await client.request(.get, "/api/catalog/entities?filter=kind=secret", as: .backend).text == "[]")
        }
    }

    @Test(
        "without catalog.fileLocationRoots, registering file locations is refused",
        arguments: TestDatabaseEngine.allCases)
    func registrationDisabledWithoutRoots(_ engine: TestDatabaseEngine) async throws {
        try await withCatalog(engine, catalog: ["fileLocationRoots": .null]) { client, directory in
            let file = directory.appendingPathComponent("more.yaml").path
            try write("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: x}\n", file)
            for path in ["/locations", "/locations?dryRun=true"] {
                let response = try await client.request(
                    .post, "/api/catalog" + path, as: .backend, jsonText: #"{"type":"file","target":"\#(file)"}"#)
                #expect(
                    response.text
                        == errorBody(
                            name: "InputError",
                            message: "Registering file locations through the API is disabled; list the directories "
                                + "it may read in catalog.fileLocationRoots", method: "POST", url: path, status: 400))
            }
            // The operator's own catalog.locations are read all the same.
            #expect(
                try await client.request(
                    .get, "/api/catalog/entities/by-name/component/default/payment-service", as: .backend
                )
                .status
                    == 200)
        }
    }

    @Test(
        "catalog.rules: a refused kind is a 400 when registered or posted, skipped with a warning from config; built-in kinds need their apiVersion",
        arguments: TestDatabaseEngine.allCases)
    func rules(_ engine: TestDatabaseEngine) async throws {
        let configured = FileManager.default.temporaryDirectory.appendingPathComponent("rules-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: configured) }
        let configuredFile = configured.appendingPathComponent("mixed.yaml").path
        try write(
            secretManifest
                + "\n---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: kept}\n"
                + "spec: {type: service, owner: platform-team}\n", configuredFile)
        // Backstage's default rules (Component, API, Location) apply when catalog.rules is unset.
        let catalog: JSONObject = [
            "rules": .null,
            "locations": [["type": "file", "target": .string(configuredFile)]],
        ]
        try await withCatalog(engine, catalog: catalog) { client, directory in
            let logs = client.logs
            #expect(
                logs.messages.contains(
                    "Skipped document 1 of \(configuredFile): Entity 'secret:default/db-password' has kind 'Secret', "
                        + "which catalog.rules do not allow"))
            #expect(
                try await client.request(.get, "/api/catalog/entities/by-name/component/default/kept", as: .backend)
                    .status == 200
            )
            #expect(
                try await client.request(.get, "/api/catalog/entities?filter=kind=secret", as: .backend).text == "[]")

            let file = directory.appendingPathComponent("secret.yaml").path
            try write(secretManifest, file)
            let registered = try await client.request(
                .post, "/api/catalog/locations", as: .backend, jsonText: #"{"type":"file","target":"\#(file)"}"#)
            #expect(registered.status == 400)
            #expect(
                message(registered)
                    == "\(file): document 1: Entity 'secret:default/db-password' has kind 'Secret', which "
                    + "catalog.rules do not allow")
            #expect(try await client.request(.get, "/api/catalog/locations", as: .backend).array.count == 1)

            let posted = try await client.request(
                .post, "/api/catalog/entities", as: .backend,
                jsonText: #"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"data":{"k":"dg=="}}"#)
            #expect(
                posted.text
                    == errorBody(
                        name: "InputError",
                        message: "Entity 'secret:default/s' has kind 'Secret', which catalog.rules do not allow",
                        method: "POST", url: "/entities", status: 400))
            let group = try await client.request(
                .post, "/api/catalog/entities", as: .backend,
                jsonText: #"{"apiVersion":"backstage.io/v1alpha1","kind":"Group","metadata":{"name":"g"}}"#)
            #expect(message(group) == "Entity 'group:default/g' has kind 'Group', which catalog.rules do not allow")
            let wrongVersion = try await client.request(
                .post, "/api/catalog/entities", as: .backend,
                jsonText: #"{"apiVersion":"v1","kind":"Component","metadata":{"name":"c"}}"#)
            #expect(
                message(wrongVersion)
                    == "Invalid entity: 'apiVersion' \"v1\" is not valid for kind \"Component\"; expected "
                    + "\"backstage.io/v1alpha1\" or \"backstage.io/v1beta1\"")
            let allowed = try await client.request(
                .post, "/api/catalog/entities", as: .backend,
                jsonText: #"{"apiVersion":"backstage.io/v1beta1","kind":"Component","metadata":{"name":"c"}}"#)
            #expect(allowed.status == 201)
        }
    }

    @Test(
        "catalog.rules with locations admit a kind only from the files they match",
        arguments: TestDatabaseEngine.allCases)
    func rulesWithLocations(_ engine: TestDatabaseEngine) async throws {
        let rules: JSONValue = [
            ["allow": ["Component", "API", "Location", "System", "User", "Template"]],
            ["allow": ["Group"], "locations": [["type": "file", "pattern": "*/team*.yaml"]]],
        ]
        try await withCatalog(engine, catalog: ["rules": rules]) { client, directory in
            let teams = directory.appendingPathComponent("teams.yaml").path
            let other = directory.appendingPathComponent("other.yaml").path
            let group = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: NAME}\nspec: {type: team}\n"
            try write(group.replacingOccurrences(of: "NAME", with: "team-a"), teams)
            try write(group.replacingOccurrences(of: "NAME", with: "team-b"), other)
            let fromTeams = try await client.request(
                .post, "/api/catalog/locations", as: .backend, jsonText: #"{"type":"file","target":"\#(teams)"}"#)
            #expect(fromTeams.status == 201, "\(fromTeams.text)")
            let fromOther = try await client.request(
                .post, "/api/catalog/locations", as: .backend, jsonText: #"{"type":"file","target":"\#(other)"}"#)
            #expect(
                message(fromOther)
                    == "\(other): document 1: Entity 'group:default/team-b' has kind 'Group', which catalog.rules "
                    + "do not allow")
            let posted = try await client.request(
                .post, "/api/catalog/entities", as: .backend,
                jsonText: #"{"apiVersion":"backstage.io/v1alpha1","kind":"Group","metadata":{"name":"g"}}"#)
            #expect(posted.status == 400)
        }
    }

    @Test(
        "catalog.readonly refuses every change with 403 and keeps reads, dry runs and refresh",
        arguments: TestDatabaseEngine.allCases)
    func readonly(_ engine: TestDatabaseEngine) async throws {
        try await withCatalog(engine, catalog: ["readonly": true]) { client, directory in
            let file = directory.appendingPathComponent("more.yaml").path
            try write("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: x}\n", file)
            let list = try await client.request(.get, "/api/catalog/locations", as: .backend)
            let id = try #require(list.array.first.flatMap { ($0["data"] as? [String: Any])?["id"] as? String })
            let entity = try await client.request(
                .get, "/api/catalog/entities/by-name/component/default/payment-service", as: .backend)
            let uid = try #require((entity.object["metadata"] as? [String: Any])?["uid"] as? String)
            let changes: [(HTTPRequest.Method, String, String?)] = [
                (.post, "/locations", #"{"type":"file","target":"\#(file)"}"#),
                (.delete, "/locations/\(id)", nil),
                (
                    .post, "/entities",
                    #"{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"y"}}"#
                ),
                (.delete, "/entities/by-name/component/default/payment-service", nil),
                (.delete, "/entities/by-uid/\(uid)", nil),
            ]
            for (method, path, json) in changes {
                let response =
                    if let json {
                        try await client.request(method, "/api/catalog" + path, as: .backend, jsonText: json)
                    } else {
                        try await client.request(method, "/api/catalog" + path, as: .backend)
                    }
                #expect(
                    response.text
                        == errorBody(
                            name: "NotAllowedError", message: "This operation not allowed in readonly mode",
                            method: method.rawValue, url: path, status: 403), "\(method) \(path)")
            }
            #expect(
                try await client.request(
                    .get, "/api/catalog/entities/by-name/component/default/payment-service", as: .backend
                )
                .status
                    == 200)
            let refresh = try await client.request(
                .post, "/api/catalog/refresh", as: .backend,
                jsonText: #"{"entityRef":"component:default/payment-service"}"#)
            #expect(refresh.status == 200, "\(refresh.text)")
            // A dry run changes nothing, so it is allowed, as in Backstage.
            let dryRun = try await client.request(
                .post, "/api/catalog/locations?dryRun=true", as: .backend,
                jsonText: #"{"type":"file","target":"\#(file)"}"#)
            #expect(dryRun.status == 201, "\(dryRun.text)")
        }
    }
}
