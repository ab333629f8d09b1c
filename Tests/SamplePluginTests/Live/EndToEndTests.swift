import BackendConfig
import BackendKit
import BackendRuntime
import BackendTestSupport
import BackendTesting
import CatalogPlugin
import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import ScaffolderPlugin
import SearchPlugin
import Testing

/// The sample plugins calling each other with server tokens, as a user of the three of them would see it
/// (a scaffolder task registers a component, the catalog serves it, search finds it), against live hosts on
/// 127.0.0.1.
@Suite("Plugins calling each other", .serialized)
struct EndToEndTests {
    /// Runs the create-component template for `name`, then checks the catalog and search.
    private func scaffoldAndFind(_ host: RunningBackend, token: String, name: String) async throws {
        let submit = try await HTTP.send(
            .POST, host.url("scaffolder", "/v2/tasks"), token: token,
            json:
                #"{"templateRef":"template:default/create-component","values":{"name":"\#(name)","owner":"platform-team"}}"#
        )
        #expect(submit.status == 201, "\(submit.body)")
        let id = try #require(submit.json["id"] as? String)

        var task: [String: Any] = [:]
        let finished = try await eventually {
            task = try await HTTP.send(.GET, host.url("scaffolder", "/v2/tasks/\(id)"), token: token).json
            return ["completed", "failed"].contains(task["status"] as? String ?? "")
        }
        #expect(finished)
        #expect(task["status"] as? String == "completed", "\(task)")
        let log = task["log"] as? [[String: Any]] ?? []
        #expect(log.contains { $0["message"] as? String == "Registered component:default/\(name) in the catalog" })
        #expect(log.allSatisfy { ($0["createdAt"] as? String)?.hasSuffix("Z") == true })
        let steps = task["steps"] as? [[String: Any]] ?? []
        #expect(steps.map { $0["status"] as? String } == ["completed", "completed"])

        let events = try await HTTP.send(.GET, host.url("scaffolder", "/v2/tasks/\(id)/events"), token: token).array
        #expect(events.last?["type"] as? String == "completion")
        #expect((events.last?["body"] as? [String: Any])?["status"] as? String == "completed")

        let listed = try await HTTP.send(.GET, host.url("scaffolder", "/v2/tasks?status=completed"), token: token)
        #expect((listed.json["tasks"] as? [[String: Any]])?.contains { $0["id"] as? String == id } == true)

        let entity = try await HTTP.send(
            .GET, host.url("catalog", "/entities/by-name/component/default/\(name)"), token: token)
        #expect(entity.status == 200)
        #expect((entity.json["spec"] as? [String: Any])?["owner"] as? String == "platform-team")
        #expect((entity.json["spec"] as? [String: Any])?["type"] as? String == "service")

        let refresh = try await HTTP.send(.POST, host.url("search", "/collators/catalog/refresh"), token: token)
        #expect(refresh.status == 200, "\(refresh.body)")
        #expect(refresh.json["documents"] as? Int == TestHosts.exampleEntityCount + 1)

        let query = try await HTTP.send(
            .GET, host.url("search", "/query?term=\(name)&types%5B0%5D=software-catalog"), token: token)
        #expect(query.status == 200)
        let results = query.json["results"] as? [[String: Any]] ?? []
        let first = try #require(results.first)
        #expect(first["type"] as? String == "software-catalog")
        #expect(first["rank"] as? Int == 1)
        let document = first["document"] as? [String: Any] ?? [:]
        #expect(document["location"] as? String == "/catalog/default/component/\(name)")
        #expect(document["title"] as? String == name)
        #expect(document["text"] as? String == "Created by the create-component template")
        #expect((query.json["numberOfResults"] as? Int ?? 0) >= 1)
    }

    @Test("one development host with a generated key: task, catalog and search through authenticated calls")
    func generatedKey() async throws {
        try await TestHosts.with(TestHosts.config(auth: ["keys": []]), plugins: TestHosts.allPlugins) { host in
            let token = try await host.token()
            #expect(!token.isEmpty)
            let anonymous = try await HTTP.send(.GET, host.url("catalog", "/entities"))
            #expect(anonymous.status == 401)
            let forged = try await HTTP.send(.POST, host.url("catalog", "/entities"), token: "x.y.z", json: "{}")
            #expect(forged.status == 401)
            try await scaffoldAndFind(host, token: token, name: "generated-key-service")

            let missing = try await HTTP.send(
                .POST, host.url("scaffolder", "/v2/tasks"), token: token,
                json: #"{"templateRef":"template:default/create-component","values":{"name":"x"}}"#)
            #expect(
                missing.body
                    == errorBody(
                        name: "InputError",
                        message:
                            "Invalid parameters for template 'template:default/create-component': missing required parameter 'owner'",
                        method: "POST", url: "/v2/tasks", status: 400))

            // A body that is not JSON, empty or not an object gets the scaffolder's own wording; one too large
            // the toolkit's.
            let malformed =
                #"The request body must be a JSON object like {"templateRef": "template:default/x", "values": {}}"#
            for body in ["{nope", "", "[1]"] {
                let response = try await HTTP.send(.POST, host.url("scaffolder", "/v2/tasks"), token: token, json: body)
                #expect(
                    response.body
                        == errorBody(
                            name: "InputError", message: malformed, method: "POST", url: "/v2/tasks", status: 400),
                    "\(body)")
            }
            let huge = try await HTTP.send(
                .POST, host.url("scaffolder", "/v2/tasks"), token: token,
                json: #"{"x":""# + String(repeating: "a", count: 1024 * 1024) + #""}"#)
            #expect(
                huge.body
                    == errorBody(
                        name: "InputError", message: "The request body is larger than 1048576 bytes", method: "POST",
                        url: "/v2/tasks", status: 400))

            let unknown = try await HTTP.send(
                .POST, host.url("scaffolder", "/v2/tasks"), token: token,
                json: #"{"templateRef":"template:default/nope","values":{}}"#)
            #expect(
                unknown.body
                    == errorBody(
                        name: "NotFoundError", message: "Template 'template:default/nope' was not found in the catalog",
                        method: "POST", url: "/v2/tasks", status: 404))

            let duplicate = try await HTTP.send(
                .POST, host.url("scaffolder", "/v2/tasks"), token: token,
                json:
                    #"{"templateRef":"template:default/create-component","values":{"name":"payment-service","owner":"me"}}"#
            )
            let id = try #require(duplicate.json["id"] as? String)
            var task: [String: Any] = [:]
            #expect(
                try await eventually {
                    task = try await HTTP.send(.GET, host.url("scaffolder", "/v2/tasks/\(id)"), token: token).json
                    return task["status"] as? String == "failed"
                })
            #expect(
                (task["error"] as? [String: Any])?["message"] as? String
                    == "Step 'Register the component' failed: The catalog rejected the request POST \(host.url("catalog", "/entities")) (409 ConflictError: Entity 'component:default/payment-service' already exists)"
            )

            let noTask = try await HTTP.send(.GET, host.url("scaffolder", "/v2/tasks/nope"), token: token)
            #expect(
                noTask.body
                    == errorBody(
                        name: "NotFoundError", message: "Task with id 'nope' does not exist", method: "GET",
                        url: "/v2/tasks/nope", status: 404))

            let actions = try await HTTP.send(.GET, host.url("scaffolder", "/v2/actions"), token: token)
            #expect(
                actions.array.compactMap { $0["id"] as? String } == [
                    "catalog:fetch", "catalog:register", "debug:log", "debug:wait",
                ])
        }
    }

    @Test("the same with a noop host and no tokens at all")
    func noopHost() async throws {
        try await TestHosts.with(TestHosts.config(), plugins: TestHosts.allPlugins) { host in
            #expect(try await host.token().isEmpty)
            try await scaffoldAndFind(host, token: "", name: "noop-service")
        }
    }

    @Test("search signing with a key the catalog refuses: 401s logged, still serving the last index")
    func refusedKey() async throws {
        let keyA = "Y2F0YWxvZy1rZXktQS1jYXRhbG9nLWtleS1BLWNhdGFsb2cta2V5LUE="
        let keyB = "c2VhcmNoLWtleS1CLXNlYXJjaC1rZXktQi1zZWFyY2gta2V5LUItc2Vh"
        let logs = TestLogs()
        let catalogConfig = { (keys: [String]) in
            TestHosts.config(auth: ["keys": .array(keys.map { ["secret": .string($0)] })])
        }
        // The catalog first accepts both keys, so search builds an index...
        try await TestHosts.with(catalogConfig([keyA, keyB]), plugins: [CatalogPlugin()]) { oldCatalog in
            let port = oldCatalog.port
            let searchConfig = TestHosts.config(
                auth: ["keys": [["secret": .string(keyB)]]],
                extra: [
                    TestHosts.catalogDiscovery(oldCatalog.baseURL),
                    ("search", ["collators": ["catalog": ["initialDelay": 0, "frequency": "200ms"]]]),
                    (
                        "backend",
                        [
                            "baseUrl": "http://127.0.0.1:7007", "auth": ["keys": [["secret": .string(keyB)]]],
                            "client": ["connectTimeout": "300ms", "requestTimeout": "2s"],
                        ]
                    ),
                ])
            try await TestHosts.with(searchConfig, logs: logs, plugins: [SearchPlugin()]) { search in
                let token = try await search.token()
                #expect(
                    try await eventually {
                        let status = try await HTTP.send(.GET, search.url("search", "/collators"), token: token).array
                            .first
                        return status?["documents"] as? Int == TestHosts.exampleEntityCount
                    })

                // ...then it is replaced on the same port by one that only accepts key A.
                await oldCatalog.shutdown()
                #expect(
                    await eventually {
                        (try? await HTTP.send(.GET, "\(oldCatalog.baseURL)/healthcheck", timeout: .milliseconds(300)))
                            == nil
                    })
                try await TestHosts.with(catalogConfig([keyA]), port: port, plugins: [CatalogPlugin()]) { catalog in
                    let refusedLine = { () -> Bool in
                        logs.entries.contains {
                            $0.level == .error
                                && $0.message.description.contains(
                                    "Catalog collation failed, keeping the last index of \(TestHosts.exampleEntityCount) documents"
                                )
                                && $0.message.description.contains(
                                    "responded 401, AuthenticationError: Invalid server token")
                        }
                    }
                    #expect(await eventually { refusedLine() })

                    let refresh = try await HTTP.send(
                        .POST, search.url("search", "/collators/catalog/refresh"), token: token)
                    #expect(refresh.status == 503)
                    let message = (refresh.json["error"] as? [String: Any])?["message"] as? String ?? ""
                    #expect(
                        message.hasPrefix(
                            "Catalog collation failed, keeping the last index of \(TestHosts.exampleEntityCount) documents: "
                        ))
                    // The caller is told the catalog refused the search plugin's token, never the catalog's reason.
                    #expect(message.contains("Plugin 'catalog' answered 401"))
                    #expect(!message.contains("Invalid server token") && !message.contains("configured key"))
                    #expect(!message.contains(token))

                    let query = try await HTTP.send(
                        .GET, search.url("search", "/query?term=payment&types%5B0%5D=software-catalog"), token: token)
                    #expect(query.status == 200)
                    let locations = (query.json["results"] as? [[String: Any]] ?? []).compactMap {
                        ($0["document"] as? [String: Any])?["location"] as? String
                    }
                    #expect(locations.first == "/catalog/default/component/payment-service")

                    let status = try await HTTP.send(.GET, search.url("search", "/collators"), token: token).array.first
                    #expect(status?["documents"] as? Int == TestHosts.exampleEntityCount)
                    #expect((status?["lastError"] as? String)?.contains("401") == true)
                    #expect(try await HTTP.send(.GET, "\(search.baseURL)/healthcheck").status == 200)

                    // The catalog itself still serves callers with key A.
                    let own = try await HTTP.send(
                        .GET, catalog.url("catalog", "/entities?limit=1"), token: try await catalog.token())
                    #expect(own.status == 200)
                }
            }
        }
    }

    @Test("a task against a stopped catalog fails with a clear reason within the configured timeout")
    func stoppedCatalog() async throws {
        let slowTemplate = """
            {"apiVersion":"scaffolder.backstage.io/v1beta3","kind":"Template","metadata":{"name":"slow"},
             "spec":{"parameters":{"required":["name"],"properties":{"name":{"type":"string"}}},
              "steps":[{"id":"wait","name":"Wait","action":"debug:wait","input":{"milliseconds":1500}},
                       {"id":"register","name":"Register","action":"catalog:register",
                        "input":{"entity":{"apiVersion":"backstage.io/v1alpha1","kind":"Component",
                                           "metadata":{"name":"${{ parameters.name }}"}}}}]}}
            """
        try await TestHosts.with(TestHosts.config(), plugins: [CatalogPlugin()]) { catalog in
            #expect(try await HTTP.send(.POST, catalog.url("catalog", "/entities"), json: slowTemplate).status == 201)
            let config = TestHosts.config(extra: [
                TestHosts.catalogDiscovery(catalog.baseURL),
                ("scaffolder", ["taskTimeout": "20s"]),
                (
                    "backend",
                    ["baseUrl": "http://127.0.0.1:7007", "client": ["connectTimeout": "1s", "requestTimeout": "3s"]]
                ),
            ])
            try await TestHosts.with(config, plugins: [ScaffolderPlugin()]) { scaffolder in
                let submit = try await HTTP.send(
                    .POST, scaffolder.url("scaffolder", "/v2/tasks"),
                    json: #"{"templateRef":"template:default/slow","values":{"name":"orphan"}}"#)
                let id = try #require(submit.json["id"] as? String, "\(submit.body)")
                await catalog.shutdown()

                var task: [String: Any] = [:]
                // Bounded by the client's 1 s connect and 3 s request timeouts, well inside the 20 s task timeout (6 s
                // left too little room on a loaded CI machine: the task timed out first); a client that hung would
                // end in the task's TimeoutError, which the assertions below refuse. The wait only guards against a
                // hang of the task itself.
                let finished = try await eventually(timeout: .seconds(30)) {
                    task = try await HTTP.send(.GET, scaffolder.url("scaffolder", "/v2/tasks/\(id)")).json
                    return task["status"] as? String == "failed"
                }
                #expect(finished, "\(task)")
                let error = task["error"] as? [String: Any] ?? [:]
                let message = error["message"] as? String ?? ""
                #expect(error["name"] as? String == "CatalogError")
                #expect(
                    message.hasPrefix(
                        "Step 'Register' failed: The catalog is unreachable at \(catalog.url("catalog", "/entities")): "
                    ), "\(message)")
                let steps = task["steps"] as? [[String: Any]] ?? []
                #expect(steps.map { $0["status"] as? String } == ["completed", "failed"])
            }
        }
    }

    @Test("a catalog that never answers: the task times out instead of hanging")
    func hangingCatalog() async throws {
        let template = try String(
            contentsOfFile: TestHosts.repositoryRoot + "/Examples/catalog/templates.yaml", encoding: .utf8)
        let templateJSON = try #require(ConfigLoader.parseDocuments(yaml: template).first).jsonText()
        let hanging = TestPlugin("catalog") { routes, _ in
            routes.get("/entities/by-name/:kind/:namespace/:name") { _, _ in
                Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(string: templateJSON)))
            }
            routes.post("/entities") { _, _ in
                try await Task.sleep(for: .seconds(4))
                return HTTPResponse.Status.created
            }
        }
        try await TestHosts.with(TestHosts.config(), plugins: [hanging]) { catalog in
            let config = TestHosts.config(extra: [
                TestHosts.catalogDiscovery(catalog.baseURL), ("scaffolder", ["taskTimeout": "1s"]),
            ])
            try await TestHosts.with(config, plugins: [ScaffolderPlugin()]) { scaffolder in
                let submit = try await HTTP.send(
                    .POST, scaffolder.url("scaffolder", "/v2/tasks"),
                    json: #"{"templateRef":"template:default/create-component","values":{"name":"late","owner":"me"}}"#)
                let id = try #require(submit.json["id"] as? String, "\(submit.body)")
                var task: [String: Any] = [:]
                // The catalog answers after 4 s; the 1 s task timeout must fail the task first (the message
                // below says which happened), so no wall-clock assertion is needed.
                #expect(
                    try await eventually(timeout: .seconds(30)) {
                        task = try await HTTP.send(.GET, scaffolder.url("scaffolder", "/v2/tasks/\(id)")).json
                        return task["status"] as? String == "failed"
                    })
                #expect((task["error"] as? [String: Any])?["message"] as? String == "Task timed out after 1 second")
                #expect((task["error"] as? [String: Any])?["name"] as? String == "TimeoutError")
            }
        }
    }
}
