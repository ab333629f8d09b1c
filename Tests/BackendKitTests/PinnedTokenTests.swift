import BackendKit
import BackendRuntime
import BackendTestSupport
import NIOHTTP1
import ServiceLifecycle
import Testing

/// Issues a different token on every call and accepts only tokens it issued.
actor RotatingTokenManager: TokenManager {
    private var issued: [String] = []

    func getToken() async throws -> ServerToken {
        let token = "token-\(issued.count + 1)"
        issued.append(token)
        return ServerToken(token: token)
    }

    func authenticate(_ token: String) async throws -> ServicePrincipal {
        guard issued.contains(token) else { throw AuthenticationError("Invalid server token; caused by unknown") }
        return ServicePrincipal(subject: "rotating")
    }

    nonisolated var acceptsRequestsWithoutToken: Bool { false }
}

@Suite("Service client with a pinned token")
struct PinnedTokenTests {
    @Test("a pinned client sends one token for a batch; the plain client asks the manager per call")
    func pinnedTokenIsReused() async throws {
        let headers = Recorder<String>()
        let catalog = TestPlugin("catalog") { routes, _ in
            routes.get("/page") { request, _ in
                await headers.record(request.headers[.authorization] ?? "")
                return "ok"
            }
        }
        let caller = TestPlugin("caller") { routes, env in
            routes.get("/batch", access: .public) { _, _ in
                let run = try await env.client.pinningCurrentToken()
                for _ in 0..<3 { _ = try await run.request(.get, plugin: "catalog", path: "/page") }
                return "done"
            }
            routes.get("/unpinned", access: .public) { _, _ in
                for _ in 0..<2 { _ = try await env.client.request(.get, plugin: "catalog", path: "/page") }
                return "done"
            }
        }
        try await TestHost.with(tokenManager: RotatingTokenManager(), plugins: [catalog, caller]) { host in
            let batch = try await HTTP.send(.GET, "\(host.baseURL)/api/caller/batch")
            #expect(batch.status == 200)
            #expect(await headers.values == ["Bearer token-1", "Bearer token-1", "Bearer token-1"])
            let unpinned = try await HTTP.send(.GET, "\(host.baseURL)/api/caller/unpinned")
            #expect(unpinned.status == 200)
            #expect(await Array(headers.values.suffix(2)) == ["Bearer token-2", "Bearer token-3"])
        }
    }
}
