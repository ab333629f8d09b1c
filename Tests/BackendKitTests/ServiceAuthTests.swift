import BackendKit
import BackendRuntime
import BackendTestSupport
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
        try await TestHost.with(yaml: Self.keysYAML, plugins: [Self.whoami]) { host in
            let response = try await send(.GET, "\(host.baseURL)/api/whoami/caller")
            #expect(response.status == 401)
            #expect(
                response.body
                    == #"{"error":{"name":"AuthenticationError","message":"Missing credentials"},"request":{"method":"GET","url":"/caller"},"response":{"statusCode":401}}"#
            )
            #expect(response.headers.first(name: "content-type") == "application/json; charset=utf-8")
            #expect(response.headers.first(name: "www-authenticate") == "Bearer")
        }
    }

    @Test func invalidTokenIsRejectedWithTheSpecificReason() async throws {
        let other = try ServerTokenManager.fromSecrets(
            ["b3RoZXIta2V5LW5vdC1jb25maWd1cmVkLW9uLXRoZS1ob3N0LTAxMjM="],
            logger: TestHost.quietLogger()
        )
        let foreignToken = try await other.getToken().token
        try await TestHost.with(yaml: Self.keysYAML, plugins: [Self.whoami]) { host in
            let response = try await send(
                .GET, "\(host.baseURL)/api/whoami/caller", headers: [("Authorization", "Bearer \(foreignToken)")])
            #expect(response.status == 401)
            #expect(
                response.body
                    == errorBody(
                        name: "AuthenticationError",
                        message: "Invalid server token; caused by signature matched no configured key",
                        url: "/caller",
                        status: 401
                    )
            )
            #expect(!response.body.contains(foreignToken))

            let garbage = try await send(
                .GET, "\(host.baseURL)/api/whoami/caller", headers: [("Authorization", "Bearer not-a-token")])
            #expect(garbage.status == 401)
            let message = (garbage.json["error"] as? [String: Any])?["message"] as? String ?? ""
            #expect(message.hasPrefix("Invalid server token; caused by "))
        }
    }

    @Test func tokenFromTheHostsManagerIsAccepted() async throws {
        try await TestHost.with(yaml: Self.keysYAML, plugins: [Self.whoami]) { host in
            let token = try await host.tokenManager.getToken().token
            #expect(!token.isEmpty)
            for scheme in ["Bearer", "bearer", "BEARER"] {
                let response = try await send(
                    .GET, "\(host.baseURL)/api/whoami/caller", headers: [("Authorization", "\(scheme) \(token)")])
                #expect(response.status == 200)
                #expect(response.body == "service")
            }
        }
    }

    @Test func malformedAuthorizationHeaderIsRejected() async throws {
        try await TestHost.with(yaml: Self.keysYAML, plugins: [Self.whoami]) { host in
            for header in ["Basic dXNlcjpwYXNz", "Bearer", "Bearer   "] {
                let response = try await send(
                    .GET, "\(host.baseURL)/api/whoami/caller", headers: [("Authorization", header)])
                #expect(response.status == 401)
                let error = response.json["error"] as? [String: Any]
                #expect(error?["name"] as? String == "AuthenticationError")
            }
        }
    }

    @Test func noopHostAcceptsRequestsWithoutAHeader() async throws {
        let logs = LogCapture()
        try await TestHost.with(logs: logs, plugins: [Self.whoami]) { host in
            #expect(host.tokenManagerKind == "noop")
            #expect(try await host.tokenManager.getToken().token == "")
            let response = try await send(.GET, "\(host.baseURL)/api/whoami/caller")
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
            let response = try await send(.GET, "\(host.baseURL)/api/whoami/caller")
            #expect(response.status == 200)
        }
    }

    @Test func publicRouteIsReachableWithoutAToken() async throws {
        try await TestHost.with(yaml: Self.keysYAML, plugins: [Self.whoami]) { host in
            let anonymous = try await send(.GET, "\(host.baseURL)/api/whoami/open")
            #expect(anonymous.status == 200)
            #expect(anonymous.body == "anonymous")

            let token = try await host.tokenManager.getToken().token
            let service = try await send(
                .GET, "\(host.baseURL)/api/whoami/open", headers: [("Authorization", "Bearer \(token)")])
            #expect(service.body == "service")

            let invalid = try await send(
                .GET, "\(host.baseURL)/api/whoami/open", headers: [("Authorization", "Bearer nope")])
            #expect(invalid.status == 200)
            #expect(invalid.body == "anonymous")
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
        try await TestHost.with(yaml: Self.keysYAML, plugins: [plugin]) { host in
            let rejected = try await send(.GET, "\(host.baseURL)/api/collection/things/item/a")
            #expect(rejected.status == 401)
            #expect(await recorder.values.isEmpty)

            let token = try await host.tokenManager.getToken().token
            let accepted = try await send(
                .GET, "\(host.baseURL)/api/collection/things/item/a", headers: [("Authorization", "Bearer \(token)")])
            #expect(accepted.status == 200)
            #expect(accepted.body == "a for service")
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
