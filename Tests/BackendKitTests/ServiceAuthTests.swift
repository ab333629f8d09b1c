import BackendKit
import BackendRuntime
import BackendTestSupport
import BackendTesting
import Hummingbird
import Logging
import NIOHTTP1
import ServiceLifecycle
import Testing

@Suite("Service auth on plugin routes")
struct ServiceAuthTests {
    static let keysYAML = """
        backend:
          auth:
            keys:
              - secret: c2VjcmV0LWtleS1mb3ItdGVzdHMtMDEyMzQ1Njc4OWFiY2RlZg==
        """

    /// A plugin with a protected and a public route that both report the caller.
    static let whoami = TestPlugin("whoami") { routes, _ in
        routes.get("/caller") { _, context in context.caller.description }
        routes.get("/open", access: .public) { _, context in context.caller.description }
    }

    @Test func missingTokenIsRejectedWithTheExactBody() async throws {
        try await TestBackend(plugins: [Self.whoami], config: Self.keysYAML).test { client in
            let response = try await client.get("/api/whoami/caller")
            #expect(response.status == 401)
            #expect(
                response.text
                    == #"{"error":{"name":"AuthenticationError","message":"Missing credentials"},"request":{"method":"GET","url":"/caller"},"response":{"statusCode":401}}"#
            )
            #expect(response.headers[.contentType] == "application/json; charset=utf-8")
            #expect(response.headers[.wwwAuthenticate] == "Bearer")
        }
    }

    @Test func invalidTokenIsRejectedWithTheSpecificReason() async throws {
        let other = try ServerTokenManager.fromSecrets(
            ["b3RoZXIta2V5LW5vdC1jb25maWd1cmVkLW9uLXRoZS1ob3N0LTAxMjM="],
            logger: TestHost.quietLogger()
        )
        let foreignToken = try await other.getToken().token
        try await TestBackend(plugins: [Self.whoami], config: Self.keysYAML).test { client in
            let response = try await client.get(
                "/api/whoami/caller", headers: [.authorization: "Bearer \(foreignToken)"])
            #expect(response.status == 401)
            #expect(
                response.text
                    == errorBody(
                        name: "AuthenticationError",
                        message: "Invalid server token; caused by signature matched no configured key",
                        url: "/caller",
                        status: 401
                    )
            )
            #expect(!response.text.contains(foreignToken))

            let garbage = try await client.get("/api/whoami/caller", headers: [.authorization: "Bearer not-a-token"])
            #expect(garbage.status == 401)
            #expect(garbage.errorMessage?.hasPrefix("Invalid server token; caused by ") == true)
        }
    }

    @Test func tokenFromTheHostsManagerIsAccepted() async throws {
        try await TestBackend(plugins: [Self.whoami], config: Self.keysYAML).test { client in
            let token = try #require(try client.token(for: .backend))
            #expect(!token.isEmpty)
            for scheme in ["Bearer", "bearer", "BEARER"] {
                let response = try await client.get(
                    "/api/whoami/caller", headers: [.authorization: "\(scheme) \(token)"])
                #expect(response.status == 200)
                #expect(response.text == "service")
            }
        }
    }

    @Test func malformedAuthorizationHeaderIsRejected() async throws {
        try await TestBackend(plugins: [Self.whoami], config: Self.keysYAML).test { client in
            for header in ["Basic dXNlcjpwYXNz", "Bearer", "Bearer   "] {
                let response = try await client.get("/api/whoami/caller", headers: [.authorization: header])
                #expect(response.status == 401)
                #expect(response.errorName == "AuthenticationError")
            }
        }
    }

    @Test func noopHostAcceptsRequestsWithoutAHeader() async throws {
        let logs = TestLogs()
        try await TestHost.with(logs: logs, plugins: [Self.whoami]) { host in
            #expect(host.tokenManagerKind == "noop")
            #expect(try await host.tokenManager.getToken().token == "")
            let response = try await HTTP.send(.GET, "\(host.baseURL)/api/whoami/caller")
            #expect(response.status == 200)
            #expect(response.body == "service")
        }
        #expect(logs.messages.contains { $0.contains("Service-to-service authentication is disabled") })
    }

    @Test func explicitNoopManagerOverridesConfiguredKeys() async throws {
        try await TestHost.with(
            yaml: Self.keysYAML, environment: .production, tokenManager: ServerTokenManager.noop(),
            plugins: [Self.whoami]
        ) { host in
            #expect(host.tokenManagerKind == "noop (provided in code)")
            let response = try await HTTP.send(.GET, "\(host.baseURL)/api/whoami/caller")
            #expect(response.status == 200)
        }
    }

    @Test func publicRouteIsReachableWithoutAToken() async throws {
        try await TestBackend(plugins: [Self.whoami], config: Self.keysYAML).test { client in
            let anonymous = try await client.get("/api/whoami/open")
            #expect(anonymous.status == 200)
            #expect(anonymous.text == "anonymous")

            let service = try await client.get("/api/whoami/open", as: .backend)
            #expect(service.text == "service")

            let invalid = try await client.get("/api/whoami/open", headers: [.authorization: "Bearer nope"])
            #expect(invalid.status == 200)
            #expect(invalid.text == "anonymous")
        }
    }

    @Test func routeCollectionsGetTheAuthCheckBeforeTheirMiddleware() async throws {
        let recorder = Recorder<String>()
        let plugin = TestPlugin("collection") { routes, _ in
            let collection = RouteCollection(context: BackendRequestContext.self)
            collection.add(middleware: RecordingMiddleware(recorder: recorder))
            collection.get("/item/:name") { _, context in
                "\(context.parameters.get("name") ?? "?") for \(context.caller)"
            }
            routes.addRoutes(collection, atPath: "/things")
        }
        try await TestBackend(plugins: [plugin], config: Self.keysYAML).test { client in
            let rejected = try await client.get("/api/collection/things/item/a")
            #expect(rejected.status == 401)
            #expect(await recorder.values.isEmpty)

            let accepted = try await client.get("/api/collection/things/item/a", as: .backend)
            #expect(accepted.status == 200)
            #expect(accepted.text == "a for service")
            #expect(await recorder.values == ["service"])
        }
    }
}

/// Records the caller it sees.
struct RecordingMiddleware: RouterMiddleware {
    typealias Context = BackendRequestContext
    let recorder: Recorder<String>

    func handle(
        _ request: Request,
        context: BackendRequestContext,
        next: (Request, BackendRequestContext) async throws -> Response
    ) async throws -> Response {
        await recorder.record(context.caller.description)
        return try await next(request, context)
    }
}
