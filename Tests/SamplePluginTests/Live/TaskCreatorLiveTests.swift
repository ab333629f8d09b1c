import BackendConfig
import BackendJSON
import BackendKit
import BackendRuntime
import BackendTestSupport
import BackendTesting
import Foundation
import NIOHTTP1
import Testing

/// The scaffolder records who created a task: the caller's subject, from its token.
@Suite("Task creator on a live host", .serialized)
struct TaskCreatorLiveTests {
    static let staticToken = "scaffolder-ci-token-0123"
    static let submission =
        #"{"templateRef":"template:default/create-component","values":{"name":"by-ci","owner":"platform-team"}}"#

    static func createdBy(_ client: BackendTestClient, token: String) async throws -> (String?, [String: Any]) {
        let bearer: HTTPFields = [.authorization: "Bearer \(token)"]
        let submit = try await client.request(.post, "/api/scaffolder/v2/tasks", headers: bearer, jsonText: submission)
        #expect(submit.status == 201, "\(submit.text)")
        let id = try #require(submit.object["id"] as? String)
        let task = try await client.get("/api/scaffolder/v2/tasks/\(id)", headers: bearer).object
        return (task["createdBy"] as? String, task)
    }

    static func createdBy(_ host: RunningBackend, token: String) async throws -> (String?, [String: Any]) {
        let submit = try await HTTP.send(.POST, host.url("scaffolder", "/v2/tasks"), token: token, json: submission)
        #expect(submit.status == 201, "\(submit.body)")
        let id = try #require(submit.json["id"] as? String)
        let task = try await HTTP.send(.GET, host.url("scaffolder", "/v2/tasks/\(id)"), token: token).json
        return (task["createdBy"] as? String, task)
    }

    @Test("a static token's subject and the keys' subject become createdBy")
    func withAuth() async throws {
        let auth: JSONValue = [
            "keys": [["secret": "c2VjcmV0LWtleS1mb3ItdGVzdHMtMDEyMzQ1Njc4OWFiY2RlZg=="]],
            "externalAccess": [
                [
                    "type": "static", "options": ["token": .string(Self.staticToken), "subject": "ci-bot"],
                    "accessRestrictions": [["plugin": "scaffolder"]],
                ]
            ],
        ]
        // Live: the task registers its entity in the catalog through env.client, over HTTP.
        let backend = TestBackend(plugins: TestHosts.allPlugins, config: Config(TestHosts.config(auth: auth)))
        try await backend.test(.live) { client in
            let (byCI, _) = try await Self.createdBy(client, token: Self.staticToken)
            #expect(byCI == "ci-bot")
            let (byKey, _) = try await Self.createdBy(client, token: try #require(try client.token(for: .backend)))
            #expect(byKey == "external:backstage-plugin")
            let list = try await client.get(
                "/api/scaffolder/v2/tasks", headers: [.authorization: "Bearer \(Self.staticToken)"])
            let tasks = list.object["tasks"] as? [[String: Any]] ?? []
            #expect(tasks.map { $0["createdBy"] as? String } == ["ci-bot", "external:backstage-plugin"])
        }
    }

    @Test("with auth off a task has no createdBy")
    func withoutAuth() async throws {
        try await TestHosts.with(TestHosts.config(), plugins: TestHosts.allPlugins) { host in
            let (createdBy, task) = try await Self.createdBy(host, token: "")
            #expect(createdBy == nil)
            #expect(task["id"] != nil && task.keys.contains("createdBy") == false)
        }
    }
}
