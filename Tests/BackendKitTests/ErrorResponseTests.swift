import BackendKit
import BackendRuntime
import BackendTestSupport
import Hummingbird
import NIOHTTP1
import ServiceLifecycle
import Testing

/// An internal error whose text must never reach the caller.
struct DatabaseExploded: Error, CustomStringConvertible {
    var description: String { "connection to db-secret-host:5432 refused (password=hunter2)" }
}

@Suite("Error bodies, 404s and request logs")
struct ErrorResponseTests {
    static let failing = TestPlugin("failing") { routes, _ in
        routes.get("/input", access: .public) { _, _ -> String in throw InputError("bad \"input\"") }
        routes.get("/auth", access: .public) { _, _ -> String in throw AuthenticationError("who are you") }
        routes.get("/forbidden", access: .public) { _, _ -> String in throw NotAllowedError("not for you") }
        routes.get("/missing", access: .public) { _, _ -> String in throw NotFoundError("no such thing") }
        routes.post("/conflict", access: .public) { _, _ -> String in throw ConflictError("already exists") }
        routes.get("/boom", access: .public) { _, _ -> String in throw DatabaseExploded() }
        routes.get("/http", access: .public) { _, _ -> String in throw HTTPError(.badRequest, message: "plain http") }
        routes.get("/limited", access: .public) { _, _ -> String in throw HTTPError(.tooManyRequests) }
        routes.get("/teapot", access: .public) { _, _ -> String in throw HTTPError(.init(code: 418)) }
        routes.post("/decode", access: .public) { request, context -> String in
            struct Payload: Decodable { let name: String }
            return try await request.decode(as: Payload.self, context: context).name
        }
        routes.get("/", access: .public) { _, _ -> String in throw NotFoundError("root") }
    }

    @Test(arguments: [
        ("GET", "/input", 400, "InputError", #"bad \"input\""#),
        ("GET", "/auth", 401, "AuthenticationError", "who are you"),
        ("GET", "/forbidden", 403, "NotAllowedError", "not for you"),
        ("GET", "/missing", 404, "NotFoundError", "no such thing"),
        ("POST", "/conflict", 409, "ConflictError", "already exists"),
        ("GET", "/http", 400, "InputError", "plain http"),
        ("GET", "/limited", 429, "TooManyRequestsError", "Too Many Requests"),
        ("GET", "/teapot", 418, "Error", "HTTP 418"),
    ])
    func errorTypesMapToStatusAndBody(
        method: String, path: String, status: Int, name: String, message: String
    )
        async throws
    {
        try await TestHost.with(plugins: [Self.failing]) { host in
            let response = try await send(.RAW(value: method), "\(host.baseURL)/api/failing\(path)")
            #expect(response.status == status)
            #expect(
                response.body == errorBody(name: name, message: message, method: method, url: path, status: status))
            #expect(response.headers.first(name: "content-type") == "application/json; charset=utf-8")
        }
    }

    @Test func internalErrorsRevealNothing() async throws {
        let logs = LogCapture()
        try await TestHost.with(logs: logs, plugins: [Self.failing]) { host in
            let response = try await send(.GET, "\(host.baseURL)/api/failing/boom?x=1")
            #expect(response.status == 500)
            #expect(
                response.body
                    == errorBody(name: "Error", message: "Internal server error", url: "/boom?x=1", status: 500))
            #expect(!response.body.contains("hunter2"))
        }
        let line = try #require(logs.entries.first { $0.metadata["path"] == "/api/failing/boom" })
        #expect(line.level == .error)
        #expect(line.metadata["status"] == "500")
        #expect(line.metadata["error"]?.contains("db-secret-host") == true)
    }

    @Test func decodingFailuresAreInputErrors() async throws {
        try await TestHost.with(plugins: [Self.failing]) { host in
            let response = try await send(
                .POST, "\(host.baseURL)/api/failing/decode", headers: [("Content-Type", "application/json")],
                body: #"{"nope":1}"#)
            #expect(response.status == 400)
            let error = response.json["error"] as? [String: Any]
            #expect(error?["name"] as? String == "InputError")
            let ok = try await send(
                .POST, "\(host.baseURL)/api/failing/decode", headers: [("Content-Type", "application/json")],
                body: #"{"name":"x"}"#)
            #expect(ok.status == 200)
            #expect(ok.body == "x")
        }
    }

    @Test func pluginRootUsesSlashAsURL() async throws {
        try await TestHost.with(plugins: [Self.failing]) { host in
            let response = try await send(.GET, "\(host.baseURL)/api/failing")
            #expect(response.body == errorBody(name: "NotFoundError", message: "root", url: "/", status: 404))
        }
    }

    @Test func unknownRoutesAreJSON404sWithTheFullPath() async throws {
        try await TestHost.with(plugins: [Self.failing]) { host in
            for path in ["/nope", "/api/unknown/x?y=1", "/api/failing/not-a-route"] {
                let response = try await send(.GET, "\(host.baseURL)\(path)")
                #expect(response.status == 404)
                let pathOnly = path.split(separator: "?").first.map(String.init) ?? path
                #expect(
                    response.body
                        == errorBody(
                            name: "NotFoundError", message: "No route for GET \(pathOnly)", url: path, status: 404))
            }
            let wrongMethod = try await send(.DELETE, "\(host.baseURL)/api/failing/input")
            #expect(wrongMethod.status == 404)
        }
    }

    @Test func healthcheckAnswersOK() async throws {
        try await TestHost.with(yaml: ServiceAuthTests.keysYAML, plugins: []) { host in
            let response = try await send(.GET, "\(host.baseURL)/healthcheck")
            #expect(response.status == 200)
            #expect(response.body == #"{"status":"ok"}"#)
            #expect(response.headers.first(name: "content-type") == "application/json; charset=utf-8")
        }
    }

    @Test func oneLogLinePerRequestWithoutTokens() async throws {
        let logs = LogCapture()
        try await TestHost.with(yaml: ServiceAuthTests.keysYAML, logs: logs, plugins: [ServiceAuthTests.whoami]) {
            host in
            let token = try await host.tokenManager.getToken().token
            _ = try await send(
                .GET, "\(host.baseURL)/api/whoami/caller?secret=1", headers: [("Authorization", "Bearer \(token)")])
            let requestLines = logs.entries.filter { $0.metadata["path"] == "/api/whoami/caller" }
            #expect(requestLines.count == 1)
            let line = try #require(requestLines.first)
            #expect(line.message.hasPrefix("GET /api/whoami/caller 200 "))
            #expect(line.metadata["method"] == "GET")
            #expect(line.metadata["status"] == "200")
            #expect(line.metadata["duration_ms"] != nil)
            // Hummingbird's request id, so the line can be matched with what the handler logged.
            #expect(line.metadata["hb.request.id"]?.isEmpty == false)
            #expect(
                logs.entries.allSatisfy { entry in
                    !entry.message.contains(token) && !entry.metadata.values.contains { $0.contains(token) }
                })
        }
    }

    @Test func startupIsLogged() async throws {
        let logs = LogCapture()
        let port = try await TestHost.with(logs: logs, plugins: [ServiceAuthTests.whoami]) { host in host.port }
        let messages = logs.messages
        #expect(messages.contains("Using config provided in code"))
        #expect(messages.contains("Environment: development"))
        #expect(messages.contains("Service-to-service auth: noop"))
        #expect(messages.contains("Mounted plugin 'whoami' at /api/whoami"))
        #expect(messages.contains("Listening on 127.0.0.1:\(port)"))
        #expect(port != 0)
    }
}
