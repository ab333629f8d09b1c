import BackendKit
import BackendRuntime
import BackendTestSupport
import BackendTesting
import NIOHTTP1
import Testing

/// What the caller of a route sees when that route's call to another plugin fails: a remote
/// 400/404/409 is passed on, a remote 401/403/5xx or an unreadable answer is a 502 naming the plugin, a plugin that
/// cannot be reached is a 503; never a 401 that looks like the caller's own token failed.
@Suite("Downstream failures become 502/503")
struct DownstreamFailureTests {
    /// Two different keys: the caller's host signs with one, the remote catalog only accepts the other.
    static let keyA = "c2VjcmV0LWtleS1hLWZvci1kb3duc3RyZWFtLXRlc3RzLTAxMjM0NQ=="
    /// The caller host's key.
    static let keyB = "c2VjcmV0LWtleS1iLWZvci1kb3duc3RyZWFtLXRlc3RzLTY3ODlhYg=="

    /// The config of a host signing with `key`, optionally sending `catalog` calls to `catalogURL`.
    static func yaml(key: String, catalogURL: String? = nil, extra: String = "") -> String {
        var text = """
            backend:
              auth:
                keys:
                  - secret: \(key)
              client:
                connectTimeout: 2s
                readTimeout: 2s
            """
        if let catalogURL {
            text += """

                discovery:
                  endpoints:
                    - target: \(catalogURL)/api/{{pluginId}}
                      plugins: [catalog, nowhere]
                """
        }
        return text + extra
    }

    /// A remote catalog with routes that fail in every way a plugin can.
    static let remote = TestPlugin("catalog") { routes, _ in
        routes.get("/entities/:name") { _, context in
            let name = try context.pathParameter("name")
            switch name {
            case "bad": throw InputError("bad name")
            case "ghost": throw NotFoundError("no ghost")
            case "dup": throw ConflictError("dup")
            case "forbidden": throw NotAllowedError("catalog policy xyz forbids this")
            case "down": throw ServiceUnavailableError("database down")
            case "slow":
                // Well past the caller's 2 s read timeout, which is generous so that a loaded machine answering
                // the other cases slowly does not look like a timeout.
                try await Task.sleep(for: .seconds(6))
                return Entity(name: name, owner: "late")
            default: return Entity(name: name, owner: "team-a")
            }
        }
        routes.get("/text", access: .public) { _, _ in "not json" }
        routes.get("/crash", access: .public) { _, _ -> String in throw DatabaseExploded() }
    }

    /// A plugin whose public routes call `path` of `plugin` and return the owner.
    static let caller = TestPlugin("caller") { routes, env in
        routes.get("/call/:plugin/:name", access: .public) { _, context in
            let plugin = try context.pathParameter("plugin")
            let name = try context.pathParameter("name")
            let path = ["text", "crash"].contains(name) ? "/\(name)" : "/entities/\(name)"
            return try await env.client.get(Entity.self, plugin: plugin, path: path).owner
        }
    }

    /// Runs `body` with a catalog host accepting only key A and a caller host signing with key B (`mismatched`)
    /// or with key A.
    static func withHosts(
        mismatched: Bool = false, logs: TestLogs? = nil,
        _ body: (_ caller: RunningBackend) async throws -> Void
    ) async throws {
        try await TestHost.with(yaml: yaml(key: keyA), plugins: [remote]) { catalog in
            let callerYAML = yaml(key: mismatched ? keyB : keyA, catalogURL: catalog.baseURL)
            try await TestHost.with(yaml: callerYAML, logs: logs, plugins: [caller]) { caller in
                try await body(caller)
            }
        }
    }

    @Test func aRemote401IsA502NamingThePluginWithoutTheRemoteReason() async throws {
        let logs = TestLogs()
        try await Self.withHosts(mismatched: true, logs: logs) { caller in
            let response = try await HTTP.send(.GET, "\(caller.baseURL)/api/caller/call/catalog/thing")
            #expect(response.status == 502)
            #expect(response.headers["WWW-Authenticate"].isEmpty)
            #expect(
                response.body
                    == errorBody(
                        name: "BadGatewayError",
                        message:
                            "Plugin 'catalog' answered 401: it did not accept this backend's service token",
                        url: "/call/catalog/thing", status: 502))
            #expect(!response.body.contains("signature") && !response.body.contains("configured key"))
        }
        // The operator still learns why: the request line is logged with the remote's answer.
        let line = logs.entries.first { $0.message.description.hasPrefix("GET /api/caller/call/catalog/thing 502") }
        #expect(line?.level == .warning)
        #expect(line?.metadata["error"]?.description.contains("signature matched no configured key") == true)
    }

    @Test(arguments: [
        (
            "forbidden", 502, "BadGatewayError",
            "Plugin 'catalog' answered 403: it does not allow this backend the operation"
        ),
        ("down", 502, "BadGatewayError", "Plugin 'catalog' answered 503"),
        ("crash", 502, "BadGatewayError", "Plugin 'catalog' answered 500"),
        ("text", 502, "BadGatewayError", "Plugin 'catalog' sent a response this backend could not read"),
        (
            "slow", 503, "ServiceUnavailableError",
            "Plugin 'catalog' is unavailable: it could not be reached or did not answer in time"
        ),
        ("bad", 400, "InputError", "bad name"),
        ("ghost", 404, "NotFoundError", "no ghost"),
        ("dup", 409, "ConflictError", "dup"),
    ])
    func remoteAnswersMapToTheCallersStatus(
        name: String, status: Int, errorName: String, message: String
    )
        async throws
    {
        try await Self.withHosts { caller in
            let response = try await HTTP.send(.GET, "\(caller.baseURL)/api/caller/call/catalog/\(name)")
            #expect(response.status == status, "\(response.body)")
            #expect(
                response.body
                    == errorBody(name: errorName, message: message, url: "/call/catalog/\(name)", status: status))
            #expect(!response.body.contains("policy xyz") && !response.body.contains("database down"))
        }
    }

    @Test func anUnreachablePluginIsA503NamingIt() async throws {
        let yaml = Self.yaml(key: Self.keyA, catalogURL: "http://127.0.0.1:1")
        try await TestHost.with(yaml: yaml, plugins: [Self.caller]) { caller in
            let response = try await HTTP.send(.GET, "\(caller.baseURL)/api/caller/call/nowhere/thing")
            #expect(response.status == 503)
            #expect(
                response.body
                    == errorBody(
                        name: "ServiceUnavailableError",
                        message: "Plugin 'nowhere' is unavailable: it could not be reached or did not answer in time",
                        url: "/call/nowhere/thing", status: 503))
        }
    }

    @Test func noServerTokenIsA503NamingThePlugin() async throws {
        try await TestHost.with(tokenManager: NoTokens(), plugins: [Self.caller]) { caller in
            let response = try await HTTP.send(.GET, "\(caller.baseURL)/api/caller/call/catalog/thing")
            #expect(response.status == 503)
            #expect(
                response.body
                    == errorBody(
                        name: "ServiceUnavailableError",
                        message: "Plugin 'catalog' cannot be called now: this backend could not issue a server token",
                        url: "/call/catalog/thing", status: 503))
        }
    }

    @Test func callerErrorOfEveryKind() {
        func error(_ kind: ServiceCallError.Kind, _ status: Int? = nil, _ name: String? = nil) -> ServiceCallError {
            ServiceCallError(
                kind: kind, pluginId: "p", method: "GET", url: "u", statusCode: status, remoteName: name,
                remoteMessage: "remote says", reason: "why")
        }
        #expect(error(.errorResponse, 400, "InputError").callerError.status == .badRequest)
        #expect(error(.errorResponse, 400, "InputError").callerError.message == "remote says")
        #expect(error(.errorResponse, 404, "NotFoundError").callerError.status == .notFound)
        #expect(error(.errorResponse, 409, "ConflictError").callerError.status == .conflict)
        // A remote 401 with Backstage's own name is still not passed on: it is not the caller's token that failed.
        #expect(error(.errorResponse, 401, "AuthenticationError").callerError.status == .badGateway)
        #expect(error(.errorResponse, 403, "NotAllowedError").callerError.status == .badGateway)
        #expect(error(.errorResponse, 404, nil).callerError.status == .badGateway)
        #expect(error(.errorResponse, 302, nil).callerError.message == "Plugin 'p' answered 302")
        #expect(error(.errorResponse, 503, "ServiceUnavailableError").callerError.status == .badGateway)
        #expect(error(.invalidResponse, 200).callerError.status == .badGateway)
        #expect(error(.connectionFailed).callerError.status == .serviceUnavailable)
        #expect(error(.tokenUnavailable).callerError.status == .serviceUnavailable)
        for kind in [ServiceCallError.Kind.errorResponse, .invalidResponse, .connectionFailed, .tokenUnavailable] {
            #expect(!error(kind, 401, "AuthenticationError").callerError.message.description.contains("remote says"))
            #expect(!error(kind, 401, "AuthenticationError").callerError.message.description.contains("why"))
        }
    }
}

/// A token manager that cannot issue tokens (and accepts no caller), as when a key source is gone.
private struct NoTokens: TokenManager {
    struct Unavailable: Error {}

    func getToken() async throws -> ServerToken { throw Unavailable() }

    func authenticate(_ token: String) async throws -> ServicePrincipal { throw Unavailable() }

    var acceptsRequestsWithoutToken: Bool { true }
}
