import BackendTestSupport
import Foundation
import NIOHTTP1
import Testing

/// Backstage's three-deployment example, run as three OS processes of the built `backend` on loopback.
@Suite("three deployments with asymmetric keys", .serialized)
struct ThreeDeploymentTopologyTests {
    static let example = Repository.path("Examples/three-deployments")
    static let deployments = ["catalog", "scaffolder", "search"]
    static let routes = [
        "catalog": "/api/catalog/entities",
        "scaffolder": "/api/scaffolder/v2/actions",
        "search": "/api/search/query?term=service",
    ]

    @Test("every cell of the live access matrix matches `backend topology`, and a task runs end to end")
    func liveMatrix() async throws {
        let production = ["BACKEND_ENV": "production", "APP_CONFIG_backend_listen_port": "0"]
        let catalog = try BackendProcess(
            ["run", "--config", "catalog.yaml", "--plugins", "catalog"],
            environment: production,
            currentDirectory: Self.example
        )
        defer { catalog.stop() }
        let catalogPort = try await catalog.waitForListeningPort()
        var discovery = production
        discovery["APP_CONFIG_discovery_endpoints"] =
            #"[{"target":"http://127.0.0.1:\#(catalogPort)/api/{{pluginId}}","plugins":["catalog"]}]"#
        let scaffolder = try BackendProcess(
            ["run", "--config", "scaffolder.yaml", "--plugins", "scaffolder"],
            environment: discovery,
            currentDirectory: Self.example
        )
        defer { scaffolder.stop() }
        let search = try BackendProcess(
            ["run", "--config", "search.yaml", "--plugins", "search"],
            environment: discovery,
            currentDirectory: Self.example
        )
        defer { search.stop() }
        let ports = [
            "catalog": catalogPort,
            "scaffolder": try await scaffolder.waitForListeningPort(),
            "search": try await search.waitForListeningPort(),
        ]

        var tokens: [String: String] = [:]
        for deployment in Self.deployments {
            let created = try await BackendProcess.run(
                ["token", "create", "--config", "\(deployment).yaml"],
                environment: ["BACKEND_ENV": "production"],
                currentDirectory: Self.example
            )
            #expect(created.exitCode == 0, "\(created.stderr)")
            tokens[deployment] = created.stdout.trimmingCharacters(in: .newlines)
        }

        var live: [String: [String: Bool]] = [:]
        for caller in Self.deployments {
            for callee in Self.deployments {
                let url = "http://127.0.0.1:\(ports[callee] ?? 0)\(Self.routes[callee] ?? "")"
                let response = try await HTTP.send(.GET, url, token: tokens[caller])
                #expect([200, 401].contains(response.status), "\(caller) -> \(callee): \(response.body)")
                if response.status == 401 {
                    #expect(response.json["error"] != nil)
                    #expect(response.body.contains("AuthenticationError"))
                }
                live[caller, default: [:]][callee] = response.status == 200
            }
        }
        let expected: [String: [String: Bool]] = [
            "catalog": ["catalog": true, "scaffolder": false, "search": false],
            "scaffolder": ["catalog": true, "scaffolder": true, "search": false],
            "search": ["catalog": true, "scaffolder": false, "search": true],
        ]
        #expect(live == expected)

        let object = try await Self.topologyJSON(["catalog.yaml", "scaffolder.yaml", "search.yaml"])
        #expect(object?["deployments"] as? [String] == Self.deployments)
        let matrix = object?["matrix"] as? [String: [String: Bool]]
        #expect(matrix == live)
        let subjects = object?["subjects"] as? [String: [String: Any]]
        #expect(subjects?["scaffolder"]?["catalog"] as? String == "scaffolder")
        #expect(subjects?["search"]?["catalog"] as? String == "search")
        #expect(subjects?["catalog"]?["catalog"] as? String == "external:backstage-plugin")
        #expect(subjects?["catalog"]?["search"] is NSNull)

        // A scaffolder task across deployments: scaffolder fetches the template from, and registers the
        // component in, the catalog deployment with its own token.
        let scaffolderToken = tokens["scaffolder"] ?? ""
        let scaffolderURL = "http://127.0.0.1:\(ports["scaffolder"] ?? 0)/api/scaffolder"
        let created = try await HTTP.send(
            .POST,
            "\(scaffolderURL)/v2/tasks",
            token: scaffolderToken,
            json:
                #"{"templateRef":"template:default/create-component","values":{"name":"topology-svc","owner":"team-a"}}"#
        )
        #expect(created.status == 201, "\(created.body)")
        let id = try #require(created.json["id"] as? String)
        var status = ""
        for _ in 0..<200 {
            let task = try await HTTP.send(.GET, "\(scaffolderURL)/v2/tasks/\(id)", token: scaffolderToken)
            status = task.json["status"] as? String ?? ""
            if status == "completed" || status == "failed" { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(status == "completed")
        let entity = try await HTTP.send(
            .GET,
            "http://127.0.0.1:\(catalogPort)/api/catalog/entities/by-name/component/default/topology-svc",
            token: tokens["search"]
        )
        #expect(entity.status == 200, "\(entity.body)")
        // The catalog deployment logged the scaffolder's calls under its subject.
        #expect(catalog.stderr.contains("subject=scaffolder"))
        #expect(catalog.stderr.contains("subject=search"))
    }

    @Test("a catalog deployment that also runs search refuses the search deployment's token there with a 403")
    func restrictedSearch() async throws {
        let catalog = try BackendProcess(
            ["run", "--config", "catalog.yaml", "--plugins", "catalog,search"],
            environment: [
                "BACKEND_ENV": "production", "APP_CONFIG_backend_listen_port": "0",
                "APP_CONFIG_search_collators_catalog_initialDelay": "1h",
            ],
            currentDirectory: Self.example
        )
        defer { catalog.stop() }
        let port = try await catalog.waitForListeningPort()
        var tokens: [String: String] = [:]
        for deployment in ["scaffolder", "search"] {
            let created = try await BackendProcess.run(
                ["token", "create", "--config", "\(deployment).yaml"], currentDirectory: Self.example)
            tokens[deployment] = created.stdout.trimmingCharacters(in: .newlines)
        }
        let query = "http://127.0.0.1:\(port)/api/search/query?term=service"
        let denied = try await HTTP.send(.GET, query, token: tokens["search"])
        #expect(denied.status == 403)
        #expect(
            denied.body
                == #"{"error":{"name":"NotAllowedError","message":"This token's access is restricted to plugin(s) 'catalog'"},"request":{"method":"GET","url":"/query?term=service"},"response":{"statusCode":403}}"#
        )
        #expect(try await HTTP.send(.GET, query, token: tokens["scaffolder"]).status == 200)
        let entities = try await HTTP.send(
            .GET, "http://127.0.0.1:\(port)/api/catalog/entities", token: tokens["search"])
        #expect(entities.status == 200)

        let object = try await Self.topologyJSON(
            ["catalog.yaml", "scaffolder.yaml", "search.yaml", "--plugins", "catalog=catalog,search"])
        let matrix = object?["matrix"] as? [String: [String: Bool]]
        #expect(matrix?["search"]?["catalog/search"] == false)
        #expect(matrix?["scaffolder"]?["catalog/search"] == true)
        #expect(matrix?["search"]?["catalog"] == true)
    }

    @Test("topology prints the docs' matrix as a table")
    func table() async throws {
        let result = try await BackendProcess.run(
            ["topology", "catalog.yaml", "scaffolder.yaml", "search.yaml"],
            environment: ["BACKEND_ENV": "production"],
            currentDirectory: Self.example
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(
            Array(lines.prefix(4)) == [
                "caller \\ called  catalog                          scaffolder                       search",
                "catalog          yes (external:backstage-plugin)  no                               no",
                "scaffolder       yes (scaffolder)                 yes (external:backstage-plugin)  no",
                "search           yes (search)                     no                               yes (external:backstage-plugin)",
            ])
    }

    @Test("topology draws the example as a Mermaid graph labelled with the subjects")
    func mermaid() async throws {
        let result = try await BackendProcess.run(
            ["topology", "catalog.yaml", "scaffolder.yaml", "search.yaml", "--format", "mermaid"],
            environment: ["BACKEND_ENV": "production"],
            currentDirectory: Self.example
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(
            result.stdout == """
                flowchart LR
                    n0["catalog"]
                    n1["scaffolder"]
                    n2["search"]
                    n1 -->|"scaffolder"| n0
                    n2 -->|"search"| n0
                    n0 -.->|"plugin:catalog: pluginAccess"| n1
                    n0 -.->|"plugin:catalog: pluginAccess"| n2

                """)
        let restricted = try await BackendProcess.run(
            [
                "topology", "catalog.yaml", "scaffolder.yaml", "search.yaml", "--plugins", "catalog=catalog,search",
                "--format", "mermaid",
            ],
            environment: ["BACKEND_ENV": "production"],
            currentDirectory: Self.example
        )
        #expect(restricted.stdout.contains(#"n2 -.->|"search: restricted"| n3"#), "\(restricted.stdout)")
        #expect(restricted.stdout.contains(#"n3["catalog/search"]"#))
    }

    @Test("topology shows plugin-token trust beside the keys: no other key set found, pluginAccess closes the rest")
    func pluginTokensOfTheKeysExample() async throws {
        let result = try await BackendProcess.run(
            ["topology", "catalog.yaml", "scaffolder.yaml", "search.yaml"],
            environment: ["BACKEND_ENV": "production"],
            currentDirectory: Self.example
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(
            Array(lines.dropFirst(9).prefix(4)) == [
                "plugin \\ called  catalog               scaffolder         search",
                "catalog          yes (plugin:catalog)  no (pluginAccess)  no (pluginAccess)",
                "scaffolder       no (key set)          no (pluginAccess)  no (key set)",
                "search           no (key set)          no (key set)       no (pluginAccess)",
            ])
        let object = try await Self.topologyJSON(["catalog.yaml", "scaffolder.yaml", "search.yaml"])
        let reasons = (object?["pluginTokens"] as? [String: Any])?["reasons"] as? [String: [String: Any]]
        #expect(
            reasons?["scaffolder"]?["catalog"] as? String
                == "Invalid plugin token: could not fetch the key set of plugin 'scaffolder' from "
                + "http://127.0.0.1:7101/api/scaffolder/.backstage/auth/v1/jwks.json: The key set answered 404")
    }

    @Test("a key set is found at a deployment's baseUrl or listen address (one loopback host), not elsewhere; auth off")
    func pluginTokenAddresses() async throws {
        try await TemporaryDirectory.with { dir in
            // a: discovery names itself by localhost (it listens on the wildcard) and b behind a proxy no config
            // describes; b finds a at a's baseUrl (host case aside); c runs with auth off.
            _ = try dir.write(
                "a.yaml",
                """
                backend:
                  baseUrl: http://a.internal:7201
                  listen: {host: 0.0.0.0, port: 7201}
                  auth: {pluginKeyStore: {keyDuration: 1h}}
                discovery:
                  endpoints:
                    - {target: 'http://localhost:7201/api/{{pluginId}}', plugins: [a]}
                    - {target: 'http://proxy.example:8080/api/{{pluginId}}', plugins: [b]}
                """)
            _ = try dir.write(
                "b.yaml",
                """
                backend:
                  baseUrl: http://127.0.0.1:7202
                  listen: {host: 127.0.0.1, port: 7202}
                  auth: {pluginKeyStore: {keyDuration: 1h}}
                discovery:
                  endpoints:
                    - {target: 'http://A.internal:7201/api/{{pluginId}}', plugins: [a]}
                """)
            _ = try dir.write("c.yaml", "backend:\n  baseUrl: http://127.0.0.1:7203\n  listen: {port: 7203}\n")
            let text = try await BackendProcess.run(
                ["topology", "a.yaml", "b.yaml", "c.yaml"], environment: ["BACKEND_ENV": "development"],
                currentDirectory: dir.url)
            #expect(text.exitCode == 0, "\(text.stderr)")
            let lines = text.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            #expect(
                Array(lines.dropFirst(9).prefix(4)) == [
                    "plugin \\ called  a               b               c",
                    "a                yes (plugin:a)  yes (plugin:a)  yes (unauthenticated)",
                    "b                no (key set)    yes (plugin:b)  yes (unauthenticated)",
                    "c                no              no              yes (unauthenticated)",
                ])
            let object = try await Self.topologyJSON(
                ["a.yaml", "b.yaml", "c.yaml"], environment: "development", in: dir.url)
            let reasons = (object?["pluginTokens"] as? [String: Any])?["reasons"] as? [String: [String: Any]]
            #expect(
                reasons?["b"]?["a"] as? String
                    == "Invalid plugin token: could not fetch the key set of plugin 'b' from "
                    + "http://proxy.example:8080/api/b/.backstage/auth/v1/jwks.json: no deployment given to backend "
                    + "topology serves that address")
            #expect(reasons?["c"]?["a"] as? String == "Missing credentials")
            #expect(reasons?["a"]?["b"] is NSNull)
        }
    }

    @Test("deployments that all listen on 0.0.0.0:7007 (one per pod): a URL at a deployment's own address is itself")
    func pluginTokenOwnAddress() async throws {
        try await TemporaryDirectory.with { dir in
            // x names y at y's baseUrl; y does not name x, so y looks for x's key set at its own 127.0.0.1:7007,
            // which in y's pod is y (a 404), not x, although x's config listens there too.
            _ = try dir.write(
                "x.yaml",
                """
                backend:
                  baseUrl: http://x.svc:7007
                  listen: {host: 0.0.0.0, port: 7007}
                  auth: {pluginKeyStore: {}}
                discovery:
                  endpoints: [{target: 'http://y.svc:7007/api/{{pluginId}}', plugins: [y]}]
                """)
            _ = try dir.write(
                "y.yaml",
                "backend:\n  baseUrl: http://y.svc:7007\n  listen: {host: 0.0.0.0, port: 7007}\n"
                    + "  auth: {pluginKeyStore: {}}\n")
            let object = try await Self.topologyJSON(["x.yaml", "y.yaml"], in: dir.url)
            let pluginTokens = object?["pluginTokens"] as? [String: Any]
            #expect(
                pluginTokens?["matrix"] as? [String: [String: Bool]] == [
                    "x": ["x": true, "y": false], "y": ["x": true, "y": true],
                ])
            let reasons = pluginTokens?["reasons"] as? [String: [String: Any]]
            #expect(
                reasons?["x"]?["y"] as? String
                    == "Invalid plugin token: could not fetch the key set of plugin 'x' from "
                    + "http://127.0.0.1:7007/api/x/.backstage/auth/v1/jwks.json: The key set answered 404")
        }
    }

    /// The JSON object `backend topology <arguments> --format json` prints, run in `directory` (the example by
    /// default) with `BACKEND_ENV=environment`; the run must succeed.
    static func topologyJSON(
        _ arguments: [String], environment: String = "production", in directory: URL = example
    ) async throws -> [String: Any]? {
        let result = try await BackendProcess.run(
            ["topology"] + arguments + ["--format", "json"], environment: ["BACKEND_ENV": environment],
            currentDirectory: directory)
        #expect(result.exitCode == 0, "\(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
    }

    static let pluginKeysExample = Repository.path("Examples/three-deployments/plugin-keys")

    /// `backend topology` of the plugin-keys example in `format`.
    static func pluginKeysTopology(_ format: String) async throws -> String {
        let result = try await BackendProcess.run(
            ["topology", "catalog.yaml", "scaffolder.yaml", "search.yaml", "--format", format],
            environment: ["BACKEND_ENV": "production"],
            currentDirectory: pluginKeysExample
        )
        #expect(result.exitCode == 0, "\(result.stderr)")
        let loaded = ["catalog", "scaffolder", "search"].map { "Loaded config from \($0).yaml\n" }
        #expect(result.stderr == loaded.joined())
        return result.stdout
    }

    @Test("plugin keys alone: no legacy token passes, and only the scaffolder and search may call the catalog")
    func pluginKeysText() async throws {
        #expect(
            try await Self.pluginKeysTopology("text") == """
                caller \\ called  catalog  scaffolder  search
                catalog          no       no          no
                scaffolder       no       no          no
                search           no       no          no

                Rows call with a token signed by their first key. Columns accept tokens that one of their keys or
                externalAccess entries verifies; the caller then has the subject shown. 'no (restricted)': the
                entry's accessRestrictions exclude that plugin (a 403).

                plugin \\ called  catalog                  scaffolder         search
                catalog          no (pluginAccess)        no (pluginAccess)  no (pluginAccess)
                scaffolder       yes (plugin:scaffolder)  no (pluginAccess)  no (key set)
                search           yes (plugin:search)      no (key set)       no (pluginAccess)

                Rows are plugins calling with plugin tokens (on with any backend.auth). A column accepts one when
                its discovery.endpoints lead to the caller's key set, at the backend.listen or backend.baseUrl
                address of the deployment that runs the caller (a plugin not listed is looked for at the column's
                own deployment), and its backend.auth.pluginAccess lets the caller in. 'no (key set)': not found
                there (a 401; a caller with backend.auth.keys then falls back to the legacy token above).
                'no (pluginAccess)': a 403. 'no': the caller's deployment has auth off and sends no token.

                """)
    }

    @Test("plugin keys alone as JSON: each refusal is the 401 or 403 message the called plugin answers")
    func pluginKeysJSON() async throws {
        let keySet = { (plugin: String, port: Int) in
            "Invalid plugin token: could not fetch the key set of plugin '\(plugin)' from "
                + "http://127.0.0.1:\(port)/api/\(plugin)/.backstage/auth/v1/jwks.json: The key set answered 404"
        }
        let denied = { (plugin: String, caller: String) in
            "Plugin '\(plugin)' does not accept calls from plugin '\(caller)'"
        }
        let none = #"{"catalog":false,"scaffolder":false,"search":false}"#
        let nulls = #"{"catalog":null,"scaffolder":null,"search":null}"#
        let expected =
            #"{"deployments":["catalog","scaffolder","search"],"#
            + #""plugins":{"catalog":["catalog"],"scaffolder":["scaffolder"],"search":["search"]},"#
            + #""matrix":{"catalog":\#(none),"scaffolder":\#(none),"search":\#(none)},"#
            + #""subjects":{"catalog":\#(nulls),"scaffolder":\#(nulls),"search":\#(nulls)},"#
            + #""pluginTokens":{"matrix":{"catalog":\#(none),"#
            + #""scaffolder":{"catalog":true,"scaffolder":false,"search":false},"#
            + #""search":{"catalog":true,"scaffolder":false,"search":false}},"#
            + #""subjects":{"catalog":\#(nulls),"#
            + #""scaffolder":{"catalog":"plugin:scaffolder","scaffolder":null,"search":null},"#
            + #""search":{"catalog":"plugin:search","scaffolder":null,"search":null}},"#
            + #""reasons":{"catalog":{"catalog":"\#(denied("catalog", "catalog"))","#
            + #""scaffolder":"\#(denied("scaffolder", "catalog"))","search":"\#(denied("search", "catalog"))"},"#
            + #""scaffolder":{"catalog":null,"scaffolder":"\#(denied("scaffolder", "scaffolder"))","#
            + #""search":"\#(keySet("scaffolder", 7113))"},"#
            + #""search":{"catalog":null,"scaffolder":"\#(keySet("search", 7112))","#
            + #""search":"\#(denied("search", "search"))"}}}}"# + "\n"
        #expect(try await Self.pluginKeysTopology("json") == expected)
    }

    @Test("plugin keys alone as Mermaid: thick edges for accepted plugin tokens, dotted where pluginAccess refuses")
    func pluginKeysMermaid() async throws {
        #expect(
            try await Self.pluginKeysTopology("mermaid") == """
                flowchart LR
                    n0["catalog"]
                    n1["scaffolder"]
                    n2["search"]
                    n0 -.->|"plugin:catalog: pluginAccess"| n1
                    n0 -.->|"plugin:catalog: pluginAccess"| n2
                    n1 ==>|"plugin:scaffolder"| n0
                    n2 ==>|"plugin:search"| n0

                """)
    }
}
