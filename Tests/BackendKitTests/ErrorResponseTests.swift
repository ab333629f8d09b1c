import BackendKit
import BackendRuntime
import BackendTestSupport
import BackendTesting
import Hummingbird
import NIOCore
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
        ("GET", "/input", 400, "InputError", #"bad "input""#),
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
        try await TestBackend(plugins: [Self.failing]).test { client in
            let response = try await client.request(try #require(HTTPRequest.Method(method)), "/api/failing\(path)")
            #expect(response.status.code == status)
            #expect(
                response.text == errorBody(name: name, message: message, method: method, url: path, status: status))
            #expect(response.headers[.contentType] == "application/json; charset=utf-8")
        }
    }

    @Test func internalErrorsRevealNothing() async throws {
        let logs = try await TestBackend(plugins: [Self.failing]).test { client in
            let response = try await client.get("/api/failing/boom?x=1")
            #expect(response.status == 500)
            #expect(
                response.text
                    == errorBody(name: "Error", message: "Internal server error", url: "/boom?x=1", status: 500))
            #expect(!response.text.contains("hunter2"))
            return client.logs
        }
        let line = try #require(logs.entries.first { $0.metadata["path"]?.description == "/api/failing/boom" })
        #expect(line.level == .error)
        #expect(line.metadata["status"]?.description == "500")
        #expect(line.metadata["error"]?.description.contains("db-secret-host") == true)
    }

    @Test func decodingFailuresAreInputErrors() async throws {
        try await TestBackend(plugins: [Self.failing]).test { client in
            let json: HTTPFields = [.contentType: "application/json"]
            let response = try await client.request(
                .post, "/api/failing/decode", headers: json, body: ByteBuffer(string: #"{"nope":1}"#))
            #expect(response.status == 400)
            #expect(response.errorName == "InputError")
            let ok = try await client.request(
                .post, "/api/failing/decode", headers: json, body: ByteBuffer(string: #"{"name":"x"}"#))
            #expect(ok.status == 200)
            #expect(ok.text == "x")
        }
    }

    @Test func pluginRootUsesSlashAsURL() async throws {
        try await TestBackend(plugins: [Self.failing]).test { client in
            let response = try await client.get("/api/failing")
            #expect(response.text == errorBody(name: "NotFoundError", message: "root", url: "/", status: 404))
        }
    }

    @Test func unknownRoutesAreJSON404sWithTheFullPath() async throws {
        try await TestBackend(plugins: [Self.failing]).test { client in
            for path in ["/nope", "/api/unknown/x?y=1", "/api/failing/not-a-route"] {
                let response = try await client.get(path)
                #expect(response.status == 404)
                let pathOnly = path.split(separator: "?").first.map(String.init) ?? path
                #expect(
                    response.text
                        == errorBody(
                            name: "NotFoundError", message: "No route for GET \(pathOnly)", url: path, status: 404))
            }
            let wrongMethod = try await client.delete("/api/failing/input")
            #expect(wrongMethod.status == 404)
        }
    }

    @Test func healthcheckAnswersOK() async throws {
        try await TestBackend(plugins: [], config: ServiceAuthTests.keysYAML).test { client in
            let response = try await client.get("/healthcheck")
            #expect(response.status == 200)
            #expect(response.text == #"{"status":"ok"}"#)
            #expect(response.headers[.contentType] == "application/json; charset=utf-8")
        }
    }

    @Test func oneLogLinePerRequestWithoutTokens() async throws {
        try await TestBackend(plugins: [ServiceAuthTests.whoami], config: ServiceAuthTests.keysYAML).test { client in
            let token = try #require(try client.token(for: .backend))
            _ = try await client.get("/api/whoami/caller?secret=1", as: .backend)
            let logs = client.logs
            let requestLines = logs.entries.filter { $0.metadata["path"]?.description == "/api/whoami/caller" }
            #expect(requestLines.count == 1)
            let line = try #require(requestLines.first)
            #expect(line.message.description.hasPrefix("GET /api/whoami/caller 200 "))
            #expect(line.metadata["method"]?.description == "GET")
            #expect(line.metadata["status"]?.description == "200")
            #expect(line.metadata["duration_ms"] != nil)
            // Hummingbird's request id, so the line can be matched with what the handler logged.
            #expect(line.metadata["hb.request.id"]?.description.isEmpty == false)
            #expect(
                logs.entries.allSatisfy { entry in
                    !entry.message.description.contains(token)
                        && !entry.metadata.values.contains { $0.description.contains(token) }
                })
        }
    }

    @Test func startupIsLogged() async throws {
        let logs = TestLogs()
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
