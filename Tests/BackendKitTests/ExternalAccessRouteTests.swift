import BackendKit
import BackendRuntime
import BackendTestSupport
import BackendTesting
import InMemoryLogging
import Logging
import NIOHTTP1
import Testing

/// `backend.auth.externalAccess` callers against an in-process host: subjects, plugin restrictions, the log line.
@Suite("externalAccess callers on plugin routes")
struct ExternalAccessRouteTests {
    static let legacySecret = "bGVnYWN5LXNlY3JldC1mb3ItdGhlLXJvdXRlLXRlc3RzLTAxMjM0NTY3"
    static let restrictedToken = "restricted-static-token-0123"
    static let openToken = "open-static-token-0123"

    static let yaml = """
        backend:
          auth:
            keys:
              - secret: c2VjcmV0LWtleS1mb3ItdGVzdHMtMDEyMzQ1Njc4OWFiY2RlZg==
            externalAccess:
              - type: static
                options: {token: \(restrictedToken), subject: search-bot}
                accessRestrictions: [{plugin: catalog}, {plugin: docs}]
              - type: static
                options: {token: \(openToken), subject: admin-bot}
              - type: legacy
                options: {secret: \(legacySecret), subject: scaffolder}
                accessRestrictions: [{plugin: search}]
        """

    /// A plugin `id` whose protected and public routes answer with the caller's subject.
    static func reporting(_ id: String) -> TestPlugin {
        TestPlugin(id) { routes, _ in
            routes.get("/subject") { _, context in context.caller.subject ?? "none" }
            routes.get("/open", access: .public) { _, context in "\(context.caller) \(context.caller.subject ?? "none")"
            }
        }
    }

    static let plugins = [reporting("catalog"), reporting("search")]

    /// The kit's host of ``plugins`` with ``yaml``, started in `production`.
    static var backend: TestBackend {
        var backend = TestBackend(plugins: plugins, config: yaml)
        backend.environment = .production
        return backend
    }

    func get(_ url: String, _ token: String?) async throws -> HTTP.Response {
        try await HTTP.send(.GET, url, token: token)
    }

    func get(_ client: BackendTestClient, _ path: String, _ token: String?) async throws -> BackendTestResponse {
        try await client.get(path, headers: token.map { [.authorization: "Bearer \($0)"] } ?? [:])
    }

    @Test func eachEntryIdentifiesItsSubject() async throws {
        let legacy = try ServerTokenManager.fromSecrets([Self.legacySecret], logger: TestHost.quietLogger())
        let legacyToken = legacy.currentToken().token
        try await TestHost.with(yaml: Self.yaml, environment: .production, plugins: Self.plugins) { host in
            #expect(host.tokenManagerKind == "server (1 key) + 3 externalAccess entries")
            let own = try await host.tokenManager.getToken().token
            let base = host.baseURL
            #expect(try await get("\(base)/api/catalog/subject", own).body == "external:backstage-plugin")
            #expect(try await get("\(base)/api/catalog/subject", Self.restrictedToken).body == "search-bot")
            #expect(try await get("\(base)/api/search/subject", Self.openToken).body == "admin-bot")
            #expect(try await get("\(base)/api/search/subject", legacyToken).body == "scaffolder")
            #expect(try await get("\(base)/api/search/open", nil).body == "anonymous none")
            #expect(try await get("\(base)/api/search/open", Self.openToken).body == "service admin-bot")
        }
    }

    @Test func aRestrictedTokenGets403OnAnotherPlugin() async throws {
        let legacy = try ServerTokenManager.fromSecrets([Self.legacySecret], logger: TestHost.quietLogger())
        try await Self.backend.test { client in
            let response = try await get(client, "/api/search/subject?x=1", Self.restrictedToken)
            #expect(response.status == 403)
            #expect(
                response.text
                    == #"{"error":{"name":"NotAllowedError","message":"This token's access is restricted to plugin(s) 'catalog', 'docs'"},"request":{"method":"GET","url":"/subject?x=1"},"response":{"statusCode":403}}"#
            )
            let scaffolder = try await get(client, "/api/catalog/subject", legacy.currentToken().token)
            #expect(scaffolder.status == 403)
            #expect(scaffolder.errorMessage == "This token's access is restricted to plugin(s) 'search'")
            // A public route of the other plugin treats it as no token at all.
            let open = try await get(client, "/api/search/open", Self.restrictedToken)
            #expect(open.status == 200)
            #expect(open.text == "anonymous none")
        }
    }

    @Test func theRequestLogLineCarriesTheSubjectAndNeverTheToken() async throws {
        let logs = try await Self.backend.test { client in
            _ = try await get(client, "/api/catalog/subject", Self.restrictedToken)
            _ = try await get(client, "/api/search/subject", Self.restrictedToken)
            _ = try await get(client, "/api/search/open", nil)
            _ = try await get(client, "/api/search/subject", "wrong-token-0123")
            return client.logs
        }
        let lines = logs.entries.filter { $0.metadata["path"] != nil }
        func line(_ path: String, _ status: Int) -> InMemoryLogHandler.Entry? {
            lines.first {
                $0.metadata["path"]?.description == path && $0.metadata["status"]?.description == "\(status)"
            }
        }
        #expect(line("/api/catalog/subject", 200)?.metadata["subject"]?.description == "search-bot")
        #expect(line("/api/search/subject", 403)?.metadata["subject"]?.description == "search-bot")
        #expect(line("/api/search/open", 200).map { $0.metadata["subject"] == nil } == true)
        #expect(line("/api/search/subject", 401).map { $0.metadata["subject"] == nil } == true)
        for entry in logs.entries {
            let text = entry.message.description + entry.metadata.values.map(\.description).joined()
            #expect(!text.contains(Self.restrictedToken) && !text.contains("wrong-token-0123"))
        }
    }

    @Test func withAuthDisabledTheCallerHasNoSubject() async throws {
        try await TestHost.with(plugins: Self.plugins) { host in
            let response = try await get("\(host.baseURL)/api/catalog/subject", nil)
            #expect(response.status == 200)
            #expect(response.body == "none")
        }
    }
}
