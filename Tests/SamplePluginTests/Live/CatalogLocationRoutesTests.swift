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
        _ engine: Engine, catalog: JSONObject = [:], logs: TestLogs? = nil,
        _ body: (RunningBackend, URL) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await TestDatabases.withPrefix(engine, dropping: ["catalog"]) { prefix in
            let backend: JSONValue = [
                "baseUrl": "http://127.0.0.1:7007",
                "database": try TestDatabases.section(engine, directory: directory, prefix: prefix),
            ]
            var section: JSONObject = [
                "locations": TestHosts.exampleLocations, "rules": TestHosts.exampleRules,
                "fileLocationRoots": [.string(directory.path)],
            ]
            for (key, value) in catalog { section[key] = value }
            try await TestHosts.with(
                TestHosts.config(extra: [("backend", backend), ("catalog", .object(section))]), logs: logs,
                plugins: [CatalogPlugin()]
            ) {
                try await body($0, directory)
            }
        }
    }

    private func message(_ response: HTTP.Response) -> String? {
        (response.json["error"] as? [String: Any])?["message"] as? String
    }

    @Test(
        "config locations are listed; entities carry managed-by annotations; by-entity finds their location",
        arguments: Engine.allCases)
    func configLocations(_ engine: Engine) async throws {
        try await withCatalog(engine) { host, _ in
            let list = try await HTTP.send(.GET, host.url("catalog", "/locations"))
            #expect(list.status == 200)
            let locations = list.array.compactMap { $0["data"] as? [String: String] }
            let entitiesFile = TestHosts.repositoryRoot + "/Examples/catalog/entities.yaml"
            #expect(
                locations.map { $0["target"] } == [
                    entitiesFile, TestHosts.repositoryRoot + "/Examples/catalog/templates.yaml",
                ])
            #expect(locations.allSatisfy { $0["type"] == "file" && $0["id"]?.isEmpty == false })
            let id = try #require(locations.first?["id"])

            let one = try await HTTP.send(.GET, host.url("catalog", "/locations/\(id)"))
            #expect(
                normalizedJSON(one.body)
                    == normalizedJSON(#"{"id":"\#(id)","type":"file","target":"\#(entitiesFile)"}"#))
            let entity = try await HTTP.send(
                .GET, host.url("catalog", "/entities/by-name/component/default/payment-service"))
            let annotations = (entity.json["metadata"] as? [String: Any])?["annotations"] as? [String: String]
            #expect(annotations?["backstage.io/managed-by-location"] == "file:\(entitiesFile)")
            #expect(annotations?["backstage.io/managed-by-origin-location"] == "file:\(entitiesFile)")
            let byEntity = try await HTTP.send(
                .GET, host.url("catalog", "/locations/by-entity/component/default/payment-service"))
            #expect(byEntity.body == one.body)

            let missing = try await HTTP.send(.GET, host.url("catalog", "/locations/nope"))
            #expect(
                missing.body
                    == errorBody(
                        name: "NotFoundError", message: "Found no location with ID nope", method: "GET",
                        url: "/locations/nope", status: 404))
            let configured = try await HTTP.send(.DELETE, host.url("catalog", "/locations/\(id)"))
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

            let dry = try await HTTP.send(.POST, host.url("catalog", "/locations?dryRun=true"), json: body)
            #expect(dry.status == 201)
            #expect(dry.json["exists"] as? Bool == false)
            #expect((dry.json["entities"] as? [Any])?.count == 2)
            #expect(
                try await HTTP.send(.GET, host.url("catalog", "/entities/by-name/component/default/extra-service"))
                    .status
                    == 404)

            let created = try await HTTP.send(.POST, host.url("catalog", "/locations"), json: body)
            #expect(created.status == 201)
            let location = try #require(created.json["location"] as? [String: String])
            #expect(location["target"] == file)
            #expect((created.json["entities"] as? [Any])?.count == 2)
            let id = try #require(location["id"])
            let team = try await HTTP.send(.GET, host.url("catalog", "/entities/by-name/group/default/platform-team"))
            #expect(team.body.contains(#"{"targetRef":"group:default/extra-team","type":"parentOf"}"#))
            let byEntity = try await HTTP.send(
                .GET, host.url("catalog", "/locations/by-entity/group/default/extra-team"))
            #expect((byEntity.json["id"] as? String) == id)
            let again = try await HTTP.send(.POST, host.url("catalog", "/locations"), json: body)
            #expect(again.status == 409)
            #expect(message(again) == "Location file:\(file) already exists")
            let dryAgain = try await HTTP.send(.POST, host.url("catalog", "/locations?dryRun=true"), json: body)
            #expect(dryAgain.json["exists"] as? Bool == true)
            #expect(try await HTTP.send(.GET, host.url("catalog", "/locations")).array.count == 3)

            let deleted = try await HTTP.send(.DELETE, host.url("catalog", "/locations/\(id)"))
            #expect(deleted.status == 204)
            #expect(
                try await HTTP.send(.GET, host.url("catalog", "/entities/by-name/component/default/extra-service"))
                    .status
                    == 404)
            let teamAfter = try await HTTP.send(
                .GET, host.url("catalog", "/entities/by-name/group/default/platform-team"))
            #expect(!teamAfter.body.contains("extra-team"))
            #expect(try await HTTP.send(.GET, host.url("catalog", "/locations/\(id)")).status == 404)

            let missing = directory.appendingPathComponent("missing.yaml").path
            let unreadable = try await HTTP.send(
                .POST, host.url("catalog", "/locations"), json: #"{"type":"file","target":"\#(missing)"}"#)
            #expect(unreadable.status == 400)
            #expect(message(unreadable) == "Failed to read catalog location '\(missing)': No such file or directory")
            let url = try await HTTP.send(
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
            let created = try await HTTP.send(
                .POST, host.url("catalog", "/locations"),
                json: #"{"type":"file","target":"\#(directory.appendingPathComponent("root.yaml").path)"}"#)
            #expect(created.status == 201, "\(created.body)")

            let response = try await HTTP.send(
                .GET, host.url("catalog", "/entities/by-name/component/default/leaf/ancestry"))
            #expect(response.status == 200)
            #expect(response.json["rootEntityRef"] as? String == "component:default/leaf")
            let items = response.json["items"] as? [[String: Any]] ?? []
            let summary = items.map { item in
                let metadata = (item["entity"] as? [String: Any])?["metadata"] as? [String: Any]
                return "\(metadata?["name"] as? String ?? "") <- \(item["parentEntityRefs"] as? [String] ?? [])"
            }
            #expect(summary == ["leaf <- [\"location:default/root-location\"]", "root-location <- []"])

            let missing = try await HTTP.send(
                .GET, host.url("catalog", "/entities/by-name/component/default/nope/ancestry"))
            #expect(
                missing.body
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
        arguments: Engine.allCases)
    func confinedToRoots(_ engine: Engine) async throws {
        try await withCatalog(engine) { host, directory in
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
            let before = try await HTTP.send(.GET, host.url("catalog", "/locations"))

            func refusal(_ target: String, dryRun: Bool = false) async throws -> HTTP.Response {
                let path = "/locations" + (dryRun ? "?dryRun=true" : "")
                let response = try await HTTP.send(
                    .POST, host.url("catalog", path), json: #"{"type":"file","target":"\#(target)"}"#)
                #expect(
                    response.body
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
            let pointer = try await HTTP.send(
                .POST, host.url("catalog", "/locations"), json: #"{"type":"file","target":"\#(root)/pointer.yaml"}"#)
            #expect(pointer.status == 400)
            #expect(
                message(pointer)
                    == "Location target '../\(outside.lastPathComponent)/secret.yaml' is outside catalog.fileLocationRoots"
            )

            // Nothing was stored: no location, no entity, no secret.
            #expect(try await HTTP.send(.GET, host.url("catalog", "/locations")).body == before.body)
            #expect(
                try await HTTP.send(.GET, host.url("catalog", "/entities/by-name/component/default/inside-service"))
                    .status
                    == 404)
            #expect(try await HTTP.send(.GET, host.url("catalog", "/entities?filter=kind=secret")).body == "[]")
        }
    }

    @Test("without catalog.fileLocationRoots, registering file locations is refused", arguments: Engine.allCases)
    func registrationDisabledWithoutRoots(_ engine: Engine) async throws {
        try await withCatalog(engine, catalog: ["fileLocationRoots": .null]) { host, directory in
            let file = directory.appendingPathComponent("more.yaml").path
            try write("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: x}\n", file)
            for path in ["/locations", "/locations?dryRun=true"] {
                let response = try await HTTP.send(
                    .POST, host.url("catalog", path), json: #"{"type":"file","target":"\#(file)"}"#)
                #expect(
                    response.body
                        == errorBody(
                            name: "InputError",
                            message: "Registering file locations through the API is disabled; list the directories "
                                + "it may read in catalog.fileLocationRoots", method: "POST", url: path, status: 400))
            }
            // The operator's own catalog.locations are read all the same.
            #expect(
                try await HTTP.send(.GET, host.url("catalog", "/entities/by-name/component/default/payment-service"))
                    .status
                    == 200)
        }
    }

    @Test(
        "catalog.rules: a refused kind is a 400 when registered or posted, skipped with a warning from config; built-in kinds need their apiVersion",
        arguments: Engine.allCases)
    func rules(_ engine: Engine) async throws {
        let configured = FileManager.default.temporaryDirectory.appendingPathComponent("rules-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: configured) }
        let configuredFile = configured.appendingPathComponent("mixed.yaml").path
        try write(
            secretManifest
                + "\n---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: kept}\n"
                + "spec: {type: service, owner: platform-team}\n", configuredFile)
        let logs = TestLogs()
        // Backstage's default rules (Component, API, Location) apply when catalog.rules is unset.
        let catalog: JSONObject = [
            "rules": .null,
            "locations": [["type": "file", "target": .string(configuredFile)]],
        ]
        try await withCatalog(engine, catalog: catalog, logs: logs) { host, directory in
            #expect(
                logs.messages.contains(
                    "Skipped document 1 of \(configuredFile): Entity 'secret:default/db-password' has kind 'Secret', "
                        + "which catalog.rules do not allow"))
            #expect(
                try await HTTP.send(.GET, host.url("catalog", "/entities/by-name/component/default/kept")).status == 200
            )
            #expect(try await HTTP.send(.GET, host.url("catalog", "/entities?filter=kind=secret")).body == "[]")

            let file = directory.appendingPathComponent("secret.yaml").path
            try write(secretManifest, file)
            let registered = try await HTTP.send(
                .POST, host.url("catalog", "/locations"), json: #"{"type":"file","target":"\#(file)"}"#)
            #expect(registered.status == 400)
            #expect(
                message(registered)
                    == "\(file): document 1: Entity 'secret:default/db-password' has kind 'Secret', which "
                    + "catalog.rules do not allow")
            #expect(try await HTTP.send(.GET, host.url("catalog", "/locations")).array.count == 1)

            let posted = try await HTTP.send(
                .POST, host.url("catalog", "/entities"),
                json: #"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"data":{"k":"dg=="}}"#)
            #expect(
                posted.body
                    == errorBody(
                        name: "InputError",
                        message: "Entity 'secret:default/s' has kind 'Secret', which catalog.rules do not allow",
                        method: "POST", url: "/entities", status: 400))
            let group = try await HTTP.send(
                .POST, host.url("catalog", "/entities"),
                json: #"{"apiVersion":"backstage.io/v1alpha1","kind":"Group","metadata":{"name":"g"}}"#)
            #expect(message(group) == "Entity 'group:default/g' has kind 'Group', which catalog.rules do not allow")
            let wrongVersion = try await HTTP.send(
                .POST, host.url("catalog", "/entities"),
                json: #"{"apiVersion":"v1","kind":"Component","metadata":{"name":"c"}}"#)
            #expect(
                message(wrongVersion)
                    == "Invalid entity: 'apiVersion' \"v1\" is not valid for kind \"Component\"; expected "
                    + "\"backstage.io/v1alpha1\" or \"backstage.io/v1beta1\"")
            let allowed = try await HTTP.send(
                .POST, host.url("catalog", "/entities"),
                json: #"{"apiVersion":"backstage.io/v1beta1","kind":"Component","metadata":{"name":"c"}}"#)
            #expect(allowed.status == 201)
        }
    }

    @Test("catalog.rules with locations admit a kind only from the files they match", arguments: Engine.allCases)
    func rulesWithLocations(_ engine: Engine) async throws {
        let rules: JSONValue = [
            ["allow": ["Component", "API", "Location", "System", "User", "Template"]],
            ["allow": ["Group"], "locations": [["type": "file", "pattern": "*/team*.yaml"]]],
        ]
        try await withCatalog(engine, catalog: ["rules": rules]) { host, directory in
            let teams = directory.appendingPathComponent("teams.yaml").path
            let other = directory.appendingPathComponent("other.yaml").path
            let group = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: NAME}\nspec: {type: team}\n"
            try write(group.replacingOccurrences(of: "NAME", with: "team-a"), teams)
            try write(group.replacingOccurrences(of: "NAME", with: "team-b"), other)
            let fromTeams = try await HTTP.send(
                .POST, host.url("catalog", "/locations"), json: #"{"type":"file","target":"\#(teams)"}"#)
            #expect(fromTeams.status == 201, "\(fromTeams.body)")
            let fromOther = try await HTTP.send(
                .POST, host.url("catalog", "/locations"), json: #"{"type":"file","target":"\#(other)"}"#)
            #expect(
                message(fromOther)
                    == "\(other): document 1: Entity 'group:default/team-b' has kind 'Group', which catalog.rules "
                    + "do not allow")
            let posted = try await HTTP.send(
                .POST, host.url("catalog", "/entities"),
                json: #"{"apiVersion":"backstage.io/v1alpha1","kind":"Group","metadata":{"name":"g"}}"#)
            #expect(posted.status == 400)
        }
    }

    @Test(
        "catalog.readonly refuses every change with 403 and keeps reads, dry runs and refresh",
        arguments: Engine.allCases)
    func readonly(_ engine: Engine) async throws {
        try await withCatalog(engine, catalog: ["readonly": true]) { host, directory in
            let file = directory.appendingPathComponent("more.yaml").path
            try write("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: x}\n", file)
            let list = try await HTTP.send(.GET, host.url("catalog", "/locations"))
            let id = try #require(list.array.first.flatMap { ($0["data"] as? [String: Any])?["id"] as? String })
            let entity = try await HTTP.send(
                .GET, host.url("catalog", "/entities/by-name/component/default/payment-service"))
            let uid = try #require((entity.json["metadata"] as? [String: Any])?["uid"] as? String)
            let changes: [(HTTPMethod, String, String?)] = [
                (.POST, "/locations", #"{"type":"file","target":"\#(file)"}"#),
                (.DELETE, "/locations/\(id)", nil),
                (
                    .POST, "/entities",
                    #"{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"y"}}"#
                ),
                (.DELETE, "/entities/by-name/component/default/payment-service", nil),
                (.DELETE, "/entities/by-uid/\(uid)", nil),
            ]
            for (method, path, json) in changes {
                let response = try await HTTP.send(method, host.url("catalog", path), json: json)
                #expect(
                    response.body
                        == errorBody(
                            name: "NotAllowedError", message: "This operation not allowed in readonly mode",
                            method: "\(method)", url: path, status: 403), "\(method) \(path)")
            }
            #expect(
                try await HTTP.send(.GET, host.url("catalog", "/entities/by-name/component/default/payment-service"))
                    .status
                    == 200)
            let refresh = try await HTTP.send(
                .POST, host.url("catalog", "/refresh"), json: #"{"entityRef":"component:default/payment-service"}"#)
            #expect(refresh.status == 200, "\(refresh.body)")
            // A dry run changes nothing, so it is allowed, as in Backstage.
            let dryRun = try await HTTP.send(
                .POST, host.url("catalog", "/locations?dryRun=true"), json: #"{"type":"file","target":"\#(file)"}"#)
            #expect(dryRun.status == 201, "\(dryRun.body)")
        }
    }
}
