import BackendKit
import NIOConcurrencyHelpers
import Testing

@testable import BackendTesting

@Suite struct ScheduledTaskTests {
    /// A plugin with two tasks due in an hour, each counting its runs.
    static func ticking(_ runs: NIOLockedValueBox<[String]>) -> TestPlugin {
        TestPlugin("ticking") { _, env in
            for id in ["first", "second"] {
                try await env.scheduler.scheduleTask(
                    id: id, frequency: .seconds(3600), timeout: .seconds(60), initialDelay: .seconds(3600)
                ) { runs.withLockedValue { $0.append(id) } }
            }
        }
    }

    @Test func scheduledTasksRunNowWhenAsked() async throws {
        let runs = NIOLockedValueBox<[String]>([])
        try await TestBackend(plugins: [Self.ticking(runs)]).testOnEveryEngine { _, client in
            runs.withLockedValue { $0 = [] }
            #expect(try await client.runScheduledTasks(of: "ticking") == ["first", "second"])
            try await client.runScheduledTask("second", of: "ticking")
            #expect(runs.withLockedValue { $0 } == ["first", "second", "second"])

            let unknownTask = await #expect(throws: NotFoundError.self) {
                try await client.runScheduledTask("third", of: "ticking")
            }
            #expect(unknownTask?.message == "Task third does not exist")
            let unknownPlugin = await #expect(throws: UnknownTestPluginError.self) {
                try await client.runScheduledTasks(of: "nope")
            }
            #expect(unknownPlugin?.description == "The test host runs no plugin 'nope'; its plugins: ticking")
        }
    }
}

@Suite struct TestTopologyTests {
    /// A plugin `id` whose `/caller` says who called it, and whose `/ask/:plugin` calls `/caller` of another plugin
    /// through `env.client`.
    static func relay(_ id: String) -> TestPlugin {
        TestPlugin(id) { routes, env in
            routes.get("/caller") { _, context in context.caller.subject ?? "none" }
            routes.get("/ask/:plugin") { _, context in
                let response = try await env.client.request(
                    .get, plugin: try context.pathParameter("plugin"), path: "/caller")
                return String(buffer: response.body)
            }
        }
    }

    @Test func deploymentsCallEachOtherThroughDiscoveryWithTheirOwnKeys() async throws {
        let topology = TestTopology([
            "catalog": TestBackend(plugins: [Self.relay("catalog")]),
            "scaffolder": TestBackend(plugins: [Self.relay("scaffolder"), Self.relay("scaffolder-helper")]),
        ])
        try await topology.test { deployments in
            let catalog = try #require(deployments["catalog"])
            let scaffolder = try #require(deployments["scaffolder"])
            // Calls between plugins carry plugin tokens, whose key sets the callee fetches through discovery (the
            // caller's deployment serves them); the test's own calls carry the deployments' server tokens.
            #expect(try await scaffolder.get("/api/scaffolder/ask/catalog", as: .backend).text == "plugin:scaffolder")
            #expect(try await catalog.get("/api/catalog/ask/scaffolder", as: .backend).text == "plugin:catalog")
            #expect(
                try await scaffolder.get("/api/scaffolder/ask/scaffolder-helper", as: .backend).text
                    == "plugin:scaffolder")
            #expect(try await catalog.get("/api/catalog/caller", as: .deployment("scaffolder")).text == "scaffolder")
            #expect(catalog.logs.requests(bySubject: "plugin:scaffolder").count == 1)
            #expect(catalog.logs.requests(bySubject: "scaffolder").count == 1)
            #expect(
                catalog.logs.messages.contains { $0.hasPrefix("GET /api/scaffolder/.backstage/auth/v1/jwks.json") }
                    == false)
            #expect(
                scaffolder.logs.messages.contains {
                    $0.hasPrefix("GET /api/scaffolder/.backstage/auth/v1/jwks.json 200")
                })

            let unknown = await #expect(throws: UndeclaredCallerError.self) {
                try await catalog.get("/api/catalog/caller", as: .deployment("search"))
            }
            #expect(
                unknown?.description
                    == "The test has no deployment named 'search': deployment callers name a deployment of a TestTopology"
            )
        }
    }

    @Test func twoDeploymentsWithOneNameAreRefused() async throws {
        let topology = TestTopology(["a": TestBackend(plugins: [echo]), "a": TestBackend(plugins: [echo])])
        let error = await #expect(throws: DuplicateDeploymentError.self) { try await topology.test { _ in } }
        #expect(error?.description == "More than one deployment of the test topology is named 'a'")
    }
}
