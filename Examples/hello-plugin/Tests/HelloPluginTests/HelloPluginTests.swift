import BackendKit
import BackendTesting
import CatalogPlugin
import Foundation
import HelloPlugin
import ScaffolderPlugin
import Testing

// The tests of docs/testing.md, in its order: every snippet there is one of these.

@Suite struct HelloPluginTests {
    // docs/testing.md: "A first test"
    @Test func greets() async throws {
        let backend = TestBackend(plugins: [HelloPlugin()], config: "hello: {greeting: Hi there}")
        try await backend.test { client in
            let response = try await client.get("/api/hello/greeting")
            #expect(response.status == .ok)
            #expect(response.text == "Hi there")
        }
    }

    // docs/testing.md: "Guarded routes and callers"
    @Test func whoamiNeedsAToken() async throws {
        let ciBot = TestCaller.service("ci-bot", token: .staticToken)
        let backend = TestBackend(plugins: [HelloPlugin()], callers: [ciBot])
        try await backend.test { client in
            let anonymous = try await client.get("/api/hello/whoami")
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.errorName == "AuthenticationError")
            #expect(anonymous.errorMessage == "Missing credentials")

            let bot = try await client.get("/api/hello/whoami", as: ciBot)
            #expect(try bot.decode(WhoAmI.self) == WhoAmI(caller: "service", subject: "ci-bot"))

            let line = client.logs.requests(bySubject: "ci-bot").last
            #expect(line?.message.description.hasPrefix("GET /api/hello/whoami 200") == true)
        }
    }

    // docs/testing.md: "Guarded routes and callers" (restrictions)
    @Test func restrictedCallersAreRefused() async throws {
        let searchOnly = TestCaller.service("indexer", restrictedTo: ["search"])
        try await TestBackend(plugins: [HelloPlugin()], callers: [searchOnly]).test { client in
            let response = try await client.get("/api/hello/whoami", as: searchOnly)
            #expect(response.status == .forbidden)
            #expect(response.errorMessage == "This token's access is restricted to plugin(s) 'search'")
        }
    }

    // docs/testing.md: "The database, on every engine"
    @Test func storesGreetings() async throws {
        try await TestBackend(plugins: [HelloPlugin()]).testOnEveryEngine { engine, client in
            let created = try await client.post("/api/hello/greetings", json: ["name": "Ada"], as: .backend)
            #expect(created.status == .created)
            let greetings = try await client.get("/api/hello/greetings").decode([Greeting].self)
            #expect(greetings.map(\.name) == ["Ada"], "on \(engine)")
            #expect(greetings.map(\.createdBy) == ["external:backstage-plugin"])

            let empty = try await client.post("/api/hello/greetings", json: ["name": ""], as: .backend)
            #expect(empty.status == .badRequest)
            #expect(empty.errorMessage == "Expected a non-empty string 'name'")
        }
    }

    // docs/testing.md: "Scheduled tasks"
    @Test func tidyingKeepsTheNewestGreetings() async throws {
        let backend = TestBackend(plugins: [HelloPlugin()], config: "hello: {keep: 2}")
        try await backend.testOnEveryEngine { _, client in
            for name in ["Ada", "Grace", "Edsger"] {
                _ = try await client.post("/api/hello/greetings", json: ["name": name], as: .backend)
            }
            try await client.runScheduledTasks(of: "hello")

            let greetings = try await client.get("/api/hello/greetings").decode([Greeting].self)
            #expect(greetings.map(\.name) == ["Edsger", "Grace"])
            #expect(client.logs.messages.contains("Removed 1 old greeting(s)"))
        }
    }

    // docs/testing.md: "Calling another plugin"
    @Test func greetsCatalogUsers() async throws {
        let catalog = TestPlugin("catalog") { routes, _ in
            routes.get("/entities/by-name/user/default/:name") { _, context in
                let name = try context.pathParameter("name")
                guard name == "jdoe" else { throw NotFoundError("No user named '\(name)'") }
                let user: JSONValue = ["metadata": ["name": "jdoe"], "spec": ["profile": ["displayName": "Jane Doe"]]]
                return JSONBody(user)
            }
        }
        try await TestBackend(plugins: [HelloPlugin(), catalog]).test(.live) { client in
            let jane = try await client.get("/api/hello/greetings/for/jdoe", as: .backend)
            #expect(try jane.decode(Personal.self) == Personal(message: "Hello, Jane Doe!"))

            let nobody = try await client.get("/api/hello/greetings/for/nobody", as: .backend)
            #expect(nobody.status == .notFound)
            #expect(nobody.errorMessage == "No user named 'nobody'")
        }
    }

    // docs/testing.md: "Several deployments"
    @Test func greetsUsersOfAnotherDeployment() async throws {
        let catalog = TestPlugin("catalog") { routes, _ in
            routes.get("/entities/by-name/user/default/:name") { _, context in
                JSONBody(JSONValue.object(["metadata": ["name": .string(try context.pathParameter("name"))]]))
            }
        }
        let topology = TestTopology([
            "catalog": TestBackend(plugins: [catalog]),
            "hello": TestBackend(plugins: [HelloPlugin()]),
        ])
        try await topology.test { deployments in
            let hello = try #require(deployments["hello"])
            let response = try await hello.get("/api/hello/greetings/for/ada", as: .backend)
            #expect(try response.decode(Personal.self) == Personal(message: "Hello, ada!"))

            let catalogLogs = try #require(deployments["catalog"]).logs
            #expect(catalogLogs.requests(bySubject: "plugin:hello").count == 1)
        }
    }
}

@Suite struct HelloPluginConfigSchemaTests {
    /// The plugin declares `hello.greeting` and `hello.keep`, so a typo under `hello` is a warning naming the key it
    /// meant, at startup and in `config check`.
    @Test func typosUnderHelloAreReported() async throws {
        let backend = TestBackend(plugins: [HelloPlugin()], config: "hello: {greeting: Hi, greting: Hi}")
        try await backend.test { client in
            #expect(
                client.logs.messages.contains(
                    "Unknown key 'hello.greting' in <test config>; did you mean 'hello.greeting'?"))
        }
    }
}

/// `hello:greet`, the action the plugin contributes to the scaffolder, run by the template in `catalog/entities.yaml`.
@Suite struct GreetActionTests {
    /// The example's catalog file, by absolute path (the test's working directory is not the package's).
    static let catalogFile = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("catalog/entities.yaml").path

    static let backend = TestBackend(
        plugins: [HelloPlugin(), CatalogPlugin(), ScaffolderPlugin()],
        config: """
            hello: {greeting: Hi there.}
            catalog:
              locations: [{type: file, target: \(catalogFile)}]
              rules: [{allow: [User, Template]}]
            """)

    // `.live`: the scaffolder fetches the template from the catalog over HTTP, as in production.
    @Test func aTaskRunsTheContributedAction() async throws {
        try await Self.backend.testOnEveryEngine(.live) { engine, client in
            let actions = try await client.get("/api/scaffolder/v2/actions", as: .backend)
            #expect(actions.json?.arrayValue?.contains { $0["id"] == "hello:greet" } == true)

            let created = try await client.post(
                "/api/scaffolder/v2/tasks",
                json: ["templateRef": "template:default/greet-someone", "values": ["name": "Ada"]] as JSONValue,
                as: .backend)
            #expect(created.status == .created, "on \(engine)")
            let id = try #require(created.json?["id"]?.stringValue)
            // The task runs in the background: wait for it to end (a condition, not a fixed time).
            var task = try await client.get("/api/scaffolder/v2/tasks/\(id)", as: .backend).json
            let deadline = ContinuousClock.now + .seconds(30)
            while task?["status"] == "open" || task?["status"] == "processing", ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
                task = try await client.get("/api/scaffolder/v2/tasks/\(id)", as: .backend).json
            }
            #expect(task?["status"] == "completed")
            #expect(task?["output"] == ["greeting": "Hi there. Nice to meet you, Ada."])
            let greetings = try await client.get("/api/hello/greetings").decode([Greeting].self)
            #expect(greetings.map(\.name) == ["Ada"])
            #expect(greetings.first?.createdBy == "external:backstage-plugin")
        }
    }

    @Test func aDryRunStoresNoGreeting() async throws {
        try await Self.backend.test { client in
            let template = try await client.get(
                "/api/catalog/entities/by-name/template/default/greet-someone", as: .backend)
            let dryRun = try await client.post(
                "/api/scaffolder/v2/dry-run",
                json: ["template": try #require(template.json), "values": ["name": "Bo"]] as JSONValue, as: .backend)
            #expect(dryRun.status == .ok)
            #expect(dryRun.json?["output"] == ["greeting": "Hi there. Nice to meet you, Bo."])
            let messages = dryRun.json?["log"]?.arrayValue?.compactMap { $0["body"]?["message"]?.stringValue }
            #expect(messages?.contains("Would greet Bo (dry run: nothing stored)") == true)
            #expect(try await client.get("/api/hello/greetings").decode([Greeting].self).isEmpty)
        }
    }
}
