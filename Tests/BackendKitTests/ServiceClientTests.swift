import BackendAuth
import BackendKit
import BackendRuntime
import BackendTestSupport
import BackendTesting
import NIOHTTP1
import ServiceLifecycle
import Testing

/// What the catalog test plugin returns.
struct Entity: Codable, Equatable, ResponseEncodable {
    let name: String
    let owner: String
}

@Suite("Service client and plugin-to-plugin calls")
struct ServiceClientTests {
    /// A protected catalog that records the Authorization header it was called with.
    static func catalog(headers: Recorder<String>) -> TestPlugin {
        TestPlugin("catalog") { routes, _ in
            routes.get("/entities/:name") { request, context in
                await headers.record(request.headers[.authorization] ?? "")
                guard context.caller.isService else { throw NotAllowedError("services only") }
                let name = try context.parameters.require("name")
                guard name != "ghost" else { throw NotFoundError("Entity '\(name)' not found") }
                return Entity(name: name, owner: "team-a")
            }
            routes.post("/entities") { request, context in
                try await request.decode(as: Entity.self, context: context)
            }
            routes.get("/query", access: .public) { request, _ in
                request.uri.query ?? ""
            }
            routes.get("/redirect", access: .public) { _, _ in
                Response(status: .found, headers: [.location: "/api/catalog/query"])
            }
            routes.get("/crash", access: .public) { _, _ -> String in throw DatabaseExploded() }
        }
    }

    /// A plugin that calls the catalog through its service client.
    static let caller = TestPlugin("caller") { routes, env in
        routes.get("/owner/:name", access: .public) { _, context in
            let name = try context.parameters.require("name")
            let entity = try await env.client.get(Entity.self, plugin: "catalog", path: "/entities/\(name)")
            return entity.owner
        }
        routes.get("/create", access: .public) { _, _ in
            let created = try await env.client.post(
                Entity.self, plugin: "catalog", path: "/entities", json: Entity(name: "new", owner: "me"))
            return created.name
        }
        routes.get("/query", access: .public) { _, _ in
            try await env.client.request(.get, plugin: "catalog", path: "query", query: [("q", "a b&c"), ("n", "1")])
                .text
        }
        routes.get("/crash", access: .public) { _, _ in
            try await env.client.request(.get, plugin: "catalog", path: "/crash").text
        }
    }

    static let generatedKeyYAML = """
        backend:
          auth:
            keys: []
        """

    @Test func developmentWithEmptyKeysGeneratesAKeyAndPluginCallsSucceed() async throws {
        let headers = Recorder<String>()
        let logs = TestLogs()
        try await TestHost.with(
            yaml: Self.generatedKeyYAML, logs: logs, plugins: [Self.catalog(headers: headers), Self.caller]
        ) { host in
            #expect(host.tokenManagerKind == "server (generated key)")
            let response = try await HTTP.send(.GET, "\(host.baseURL)/api/caller/owner/thing")
            #expect(response.status == 200)
            #expect(response.body == "team-a")

            // The receiving route saw a bearer token the host accepted: with auth on, calls between plugins carry
            // the calling plugin's plugin token (the guard verified it, or the route would have refused the call).
            let seen = try #require(await headers.values.first)
            #expect(seen.hasPrefix("Bearer "))
            #expect(PluginTokenVerifier.isPluginToken(String(seen.dropFirst("Bearer ".count))))

            // Calling the catalog directly without a token is refused.
            let direct = try await HTTP.send(.GET, "\(host.baseURL)/api/catalog/entities/thing")
            #expect(direct.status == 401)
        }
        #expect(logs.messages.contains(ServerTokenManager.generatedSecretWarning))
    }

    @Test func noopHostSendsNoAuthorizationHeader() async throws {
        let headers = Recorder<String>()
        try await TestHost.with(plugins: [Self.catalog(headers: headers), Self.caller]) { host in
            let response = try await HTTP.send(.GET, "\(host.baseURL)/api/caller/owner/thing")
            #expect(response.status == 200)
            #expect(await headers.values == [""])
        }
    }

    /// The catalog and the caller on one kit host with `keys: []`; `.live`, since `env.client` reaches plugins over
    /// HTTP.
    static func backend(_ plugins: [any BackendPlugin]) -> TestBackend {
        TestBackend(plugins: plugins, config: generatedKeyYAML)
    }

    @Test func jsonBodiesAndQueriesRoundTrip() async throws {
        try await Self.backend([Self.catalog(headers: Recorder()), Self.caller]).test(.live) { client in
            let created = try await client.get("/api/caller/create")
            #expect(created.text == "new")
            let query = try await client.get("/api/caller/query")
            #expect(query.text == "q=a%20b%26c&n=1")
        }
    }

    @Test func remoteKnownErrorsKeepTheirStatusAndMessage() async throws {
        try await Self.backend([Self.catalog(headers: Recorder()), Self.caller]).test(.live) { client in
            let response = try await client.get("/api/caller/owner/ghost")
            #expect(response.status == 404)
            #expect(
                response.text
                    == errorBody(
                        name: "NotFoundError", message: "Entity 'ghost' not found", url: "/owner/ghost", status: 404))

            let crash = try await client.get("/api/caller/crash")
            // A remote 500 is the remote's failure, not this plugin's: a 502 naming the plugin called.
            #expect(crash.status == 502)
            #expect(
                crash.text
                    == errorBody(
                        name: "BadGatewayError", message: "Plugin 'catalog' answered 500",
                        url: "/crash", status: 502))
        }
    }

    @Test func errorResponsesAndRedirectsBecomeTypedErrors() async throws {
        let probe = ClientProbe()
        try await Self.backend([Self.catalog(headers: Recorder()), probe.plugin]).test(.live) { host in
            let baseURL = try #require(host.baseURL)
            let client = try #require(await probe.client)
            let missing = await #expect(throws: ServiceCallError.self) {
                try await client.get(Entity.self, plugin: "catalog", path: "/entities/ghost")
            }
            #expect(missing?.kind == .errorResponse)
            #expect(missing?.statusCode == 404)
            #expect(missing?.remoteName == "NotFoundError")
            #expect(missing?.remoteMessage == "Entity 'ghost' not found")
            #expect(missing?.url == "\(baseURL)/api/catalog/entities/ghost")

            let redirect = await #expect(throws: ServiceCallError.self) {
                try await client.request(.get, plugin: "catalog", path: "/redirect")
            }
            #expect(redirect?.statusCode == 302)
        }
    }

    @Test func connectionFailuresNameThePluginAndURL() async throws {
        let unreachable = """
            backend:
              client:
                connectTimeout: 300ms
            discovery:
              endpoints:
                - target: http://127.0.0.1:1/api/{{pluginId}}
                  plugins: [nowhere]
            """
        let probe = ClientProbe()
        try await TestBackend(plugins: [probe.plugin], config: unreachable).test { _ in
            let client = try #require(await probe.client)
            let error = await #expect(throws: ServiceCallError.self) {
                try await client.request(.get, plugin: "nowhere", path: "/x")
            }
            #expect(error?.kind == .connectionFailed)
            #expect(
                error?.description.hasPrefix("Failed to call plugin 'nowhere' at http://127.0.0.1:1/api/nowhere/x: ")
                    == true)
        }
    }
}

/// Captures the service client of the `probe` plugin so tests can call it directly.
actor ClientProbe {
    private(set) var client: ServiceClient?

    func set(_ client: ServiceClient) {
        self.client = client
    }

    nonisolated var plugin: TestPlugin {
        TestPlugin("probe") { _, env in await self.set(env.client) }
    }
}
