import BackendKit
import BackendRuntime
import BackendTesting
import CatalogPlugin
import Foundation
import ScaffolderActions
import ScaffolderPlugin
import Testing

/// `test:write`: writes `content` to `path` in the workspace and outputs the path and what the request's
/// `seed.txt` held; supports dry run (it touches nothing outside the workspace).
struct WriteFileAction: TemplateAction {
    let id = "test:write"
    let description = "Writes a file into the task's workspace."
    let supportsDryRun = true
    let examples = [
        ActionExample(description: "Write a README", example: "action: test:write\ninput: {path: README.md}")
    ]
    let inputSchema: JSONValue = ["type": "object", "required": ["path"]]

    func handle(_ context: ActionContext) async throws {
        let path = try context.requiredString("path")
        let file = context.workspace.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data((context.input["content"]?.stringValue ?? "").utf8).write(to: file)
        let seed = try? String(contentsOf: context.workspace.appendingPathComponent("seed.txt"), encoding: .utf8)
        await context.log("Wrote \(path) for \(context.createdBy ?? "nobody")")
        context.output("written", .string(path))
        context.output("seed", seed.map(JSONValue.string) ?? .null)
    }
}

/// `<id>`: logs a line; a stand-in for an action some package contributes.
struct LogAction: TemplateAction {
    let id: String
    let description = "Logs a line."
    func handle(_ context: ActionContext) async throws { await context.log("from \(id)") }
}

/// A plugin with no routes of its own that contributes `actions` to the scaffolder.
struct ActionsPlugin: BackendPlugin {
    let id: String
    var actions: [any TemplateAction]

    func contribute(to extensions: PluginExtensions, _ env: PluginEnvironment) async throws {
        for action in actions {
            try extensions.contribute(action, to: ScaffolderExtensionPoints.actions)
        }
    }

    func register(_ routes: PluginRoutes, _ env: PluginEnvironment) async throws {}
}

@Suite("Scaffolder actions from other plugins")
struct ScaffolderActionsExtensionTests {
    @Test("GET /v2/actions lists the contributed actions next to the built-in ones, with examples and schemas")
    func listsContributedActions() async throws {
        let backend = TestBackend(plugins: [
            ScaffolderPlugin(), ActionsPlugin(id: "tools", actions: [WriteFileAction()]),
        ])
        try await backend.test { client in
            let response = try await client.get("/api/scaffolder/v2/actions", as: .backend)
            #expect(response.status == .ok)
            let actions = try #require(response.json?.arrayValue)
            #expect(
                actions.compactMap { $0["id"]?.stringValue }
                    == ["catalog:fetch", "catalog:register", "debug:log", "debug:wait", "test:write"])
            let write = try #require(actions.first { $0["id"] == "test:write" })
            #expect(
                write
                    == [
                        "id": "test:write", "description": "Writes a file into the task's workspace.",
                        "examples": [
                            [
                                "description": "Write a README",
                                "example": "action: test:write\ninput: {path: README.md}",
                            ]
                        ],
                        "schema": ["input": ["type": "object", "required": ["path"]], "output": ["type": "object"]],
                    ])
            #expect(actions.first { $0["id"] == "debug:log" }?["examples"] == nil)
        }
    }

    @Test("an action id used twice fails startup naming both registrants")
    func duplicateIds() async throws {
        let cases: [([any BackendPlugin], String)] = [
            (
                [ActionsPlugin(id: "dupe", actions: [LogAction(id: "debug:log")]), ScaffolderPlugin()],
                "Plugin 'scaffolder' failed to start: Scaffolder action 'debug:log' is registered twice: by scaffolder "
                    + "(built-in) and by plugin 'dupe'"
            ),
            (
                [
                    ScaffolderPlugin(), ActionsPlugin(id: "one", actions: [LogAction(id: "x:y")]),
                    ActionsPlugin(id: "two", actions: [LogAction(id: "x:y")]),
                ],
                "Plugin 'scaffolder' failed to start: Scaffolder action 'x:y' is registered twice: by plugin 'one' "
                    + "and by plugin 'two'"
            ),
        ]
        for (plugins, message) in cases {
            let error = await #expect(throws: BackendStartupError.self) {
                try await TestBackend(plugins: plugins).test { _ in }
            }
            #expect(error?.description == message)
        }
    }

    @Test("a contribution made while registering fails startup: the offering plugin may have read the list already")
    func lateContribution() async throws {
        let late = TestPlugin("late") { _, env in
            try env.extensions.contribute(LogAction(id: "late:log"), to: ScaffolderExtensionPoints.actions)
        }
        let error = await #expect(throws: BackendStartupError.self) {
            try await TestBackend(plugins: [ScaffolderPlugin(), late]).test { _ in }
        }
        #expect(
            error?.description
                == "Plugin 'late' failed to start: Plugin 'late' contributed to the extension point "
                + "'scaffolder.actions' after startup's contribution phase; contribute from the plugin's "
                + "contribute(to:_:), which runs before any plugin registers")
    }

    @Test("contributions keep the host's plugin order and their registrants")
    func contributionsInOrder() throws {
        let extensions = PluginExtensions(pluginId: "a")
        try extensions.contribute(LogAction(id: "a:1"), to: ScaffolderExtensionPoints.actions)
        try extensions.viewed(as: "b").contribute(LogAction(id: "b:1"), to: ScaffolderExtensionPoints.actions)
        let other = ExtensionPoint<String>("other")
        try extensions.contribute("text", to: other)
        let seen = extensions.contributions(to: ScaffolderExtensionPoints.actions)
        #expect(seen.map(\.registrant) == ["a", "b"])
        #expect(seen.map(\.value.id) == ["a:1", "b:1"])
        #expect(extensions.contributions(to: other).map(\.value) == ["text"])
        extensions.close()
        #expect(throws: LateContributionError.self) { try extensions.contribute("late", to: other) }
    }
}
