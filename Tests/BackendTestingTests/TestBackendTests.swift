import BackendDatabase
import BackendKit
import BackendRuntime
import NIOConcurrencyHelpers
import Testing

@testable import BackendTesting

/// A plugin with a public and a guarded route, each answering with the caller's subject.
let echo = TestPlugin("echo") { routes, _ in
    routes.get("/public", access: .public) { _, context in context.caller.subject ?? "anonymous" }
    routes.get("/whoami") { _, context in context.caller.subject ?? "none" }
}

@Suite struct TestBackendTests {
    @Test(arguments: [TestTransport.router, .live])
    func guardedRoutesAnswerAsTheHostDoes(transport: TestTransport) async throws {
        try await TestBackend(plugins: [echo]).test(transport) { client in
            let anonymous = try await client.get("/api/echo/whoami")
            #expect(anonymous.status == .unauthorized)
            #expect(
                anonymous.json
                    == [
                        "error": ["name": "AuthenticationError", "message": "Missing credentials"],
                        "request": ["method": "GET", "url": "/whoami"], "response": ["statusCode": 401],
                    ])
            let service = try await client.get("/api/echo/whoami", as: .backend)
            #expect(service.status == .ok)
            #expect(service.text == "external:backstage-plugin")
            #expect((client.baseURL != nil) == (transport == .live))
        }
    }

    @Test(arguments: [TestTransport.router, .live])
    func requestLinesCarryTheCallersSubject(transport: TestTransport) async throws {
        try await TestBackend(plugins: [echo], callers: [.service("ci-bot")]).test(transport) { client in
            _ = try await client.get("/api/echo/whoami", as: .service("ci-bot"))
            let lines = client.logs.requests(bySubject: "ci-bot")
            #expect(lines.map(\.message.description).map { $0.hasPrefix("GET /api/echo/whoami 200 ") } == [true])
            #expect(lines.first?.metadata["status"]?.description == "200")
        }
    }

    @Test func everyCallerIsARealTokenTheHostVerifies() async throws {
        let callers: [TestCaller] = [
            .service("scaffolder"), .service("ci-bot", token: .staticToken), .service("alice", token: .jwks),
        ]
        try await TestBackend(plugins: [echo], callers: callers).test { client in
            var subjects: [String] = []
            for caller in callers + [.backend] {
                subjects.append(try await client.get("/api/echo/whoami", as: caller).text)
            }
            #expect(subjects == ["scaffolder", "ci-bot", "external:alice", "external:backstage-plugin"])
            #expect(try client.token(for: .service("ci-bot", token: .staticToken))?.hasPrefix("static-") == true)
            #expect(try client.token(for: .none) == nil)
        }
    }

    @Test func badTokensAre401s() async throws {
        try await TestBackend(plugins: [echo]).test { client in
            for caller in [TestCaller.expired, .malformed, .foreignKey] {
                let guarded = try await client.get("/api/echo/whoami", as: caller)
                #expect(guarded.status == .unauthorized, "\(caller)")
                #expect(guarded.errorName == "AuthenticationError", "\(caller)")
                // On a public route a token that does not verify counts as none.
                #expect(try await client.get("/api/echo/public", as: caller).text == "anonymous")
            }
            #expect(
                try await client.get("/api/echo/whoami", as: .expired).errorMessage?.hasPrefix(
                    "Invalid server token; caused by expired at ") == true)
            #expect(
                try await client.get("/api/echo/whoami", as: .malformed).errorMessage
                    == "Invalid server token; caused by token is not three base64url segments (found 1)")
            #expect(
                try await client.get("/api/echo/whoami", as: .foreignKey).errorMessage
                    == "Invalid server token; caused by signature matched no configured key")
        }
    }

    @Test func restrictedCallersGet403OnOtherPlugins() async throws {
        let limited = TestCaller.service("limited", restrictedTo: ["other"])
        let other = TestPlugin("other") { routes, _ in routes.get("/x") { _, context in context.caller.subject ?? "" } }
        try await TestBackend(plugins: [echo, other], callers: [limited]).test { client in
            let refused = try await client.get("/api/echo/whoami", as: limited)
            #expect(refused.status == .forbidden)
            #expect(refused.errorName == "NotAllowedError")
            #expect(refused.errorMessage == "This token's access is restricted to plugin(s) 'other'")
            #expect(try await client.get("/api/other/x", as: limited).text == "limited")
        }
    }

    @Test func anUndeclaredServiceCallerIsAnError() async throws {
        try await TestBackend(plugins: [echo]).test { client in
            let error = await #expect(throws: UndeclaredCallerError.self) {
                try await client.get("/api/echo/whoami", as: .service("ci-bot"))
            }
            #expect(
                error?.description
                    == "The test host has no caller service(ci-bot, legacy): add it to TestBackend's callers, so that "
                    + "the host starts with its backend.auth.externalAccess entry")
        }
    }

    @Test func aPluginThatFailsToRegisterFailsTheTestWithTheStartupMessage() async throws {
        struct Broken: Error, CustomStringConvertible { var description: String { "no greeting configured" } }
        let broken = TestPlugin("broken") { _, _ in throw Broken() }
        let error = await #expect(throws: BackendStartupError.self) {
            try await TestBackend(plugins: [broken]).test { _ in }
        }
        #expect(error?.reason == "Plugin 'broken' failed to start: no greeting configured")
    }

    @Test func configGivenAsYAMLReachesThePlugins() async throws {
        let configured = TestPlugin("configured") { routes, env in
            let value = try env.config.getString("configured.value")
            routes.get("/value", access: .public) { _, _ in value }
        }
        try await TestBackend(plugins: [configured], config: "configured: {value: from yaml}").test { client in
            let response = try await client.get("/api/configured/value")
            #expect(response.text == "from yaml")
        }
        let invalid = await #expect(throws: (any Error).self) {
            try await TestBackend(plugins: [configured], config: "configured: [").test { _ in }
        }
        #expect(invalid != nil)
    }
}

@Suite struct PluginCallerTests {
    @Test(arguments: [TestTransport.router, .live])
    func pluginCallersCarryPluginTokensTheHostVerifiesByDiscovery(transport: TestTransport) async throws {
        let config = "backend: {auth: {pluginAccess: [{plugin: echo, callers: [scaffolder]}]}}"
        let callers: [TestCaller] = [.plugin("scaffolder"), .plugin("search")]
        try await TestBackend(plugins: [echo], config: config, callers: callers).test(transport) { client in
            let scaffolder = try await client.get("/api/echo/whoami", as: .plugin("scaffolder"))
            #expect(scaffolder.status == .ok)
            #expect(scaffolder.text == "plugin:scaffolder")

            let search = try await client.get("/api/echo/whoami", as: .plugin("search"))
            #expect(search.status == .forbidden)
            #expect(search.errorMessage == "Plugin 'echo' does not accept calls from plugin 'search'")

            let token = try #require(try client.token(for: .plugin("scaffolder"), audience: "echo"))
            #expect(token.split(separator: ".").count == 3)
            let missingAudience = #expect(throws: PluginCallerAudienceError.self) {
                try client.token(for: .plugin("scaffolder"))
            }
            #expect(
                missingAudience?.description
                    == "A plugin token of 'scaffolder' is addressed to one plugin: request a path under "
                    + "/api/<plugin id>/, or pass the audience to token(for:audience:)")
        }
    }

    @Test func aPluginCallerCannotBeAHostedPlugin() async throws {
        let error = await #expect(throws: HostedPluginCallerError.self) {
            try await TestBackend(plugins: [echo], callers: [.plugin("echo")]).test { _ in }
        }
        #expect(
            error?.description
                == "TestCaller.plugin(\"echo\") stands for a plugin the test host does not run, but the host runs "
                + "'echo': let that plugin call through env.client, or name another plugin")
    }
}

@Suite struct JSONTextBodyTests {
    /// A body given as JSON text reaches the route as written, with the JSON content type: a well-formed one
    /// decodes, a malformed one is the host's 400.
    @Test(arguments: [TestTransport.router, .live])
    func aJSONTextBodyIsSentAsWritten(transport: TestTransport) async throws {
        let names = TestPlugin("names") { routes, _ in
            routes.post("/echo") { request, context in
                struct Name: Decodable { let name: String }
                let type = request.headers[.contentType] ?? "none"
                return "\(try await request.decode(as: Name.self, context: context).name) (\(type))"
            }
        }
        try await TestBackend(plugins: [names]).test(transport) { client in
            let ok = try await client.request(.post, "/api/names/echo", as: .backend, jsonText: #"{"name":"ada"}"#)
            #expect(ok.status == .ok)
            #expect(ok.text == "ada (application/json)")
            let malformed = try await client.request(.post, "/api/names/echo", as: .backend, jsonText: "{nope")
            #expect(malformed.status == .badRequest)
            #expect(malformed.errorName == "InputError")
        }
    }
}
