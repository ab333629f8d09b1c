import BackendKit

/// A plugin whose registration is a closure: a route or two for a test, or a stand-in for a plugin that the plugin
/// under test calls through `env.client`.
///
/// ```swift
/// let catalog = TestPlugin("catalog") { routes, _ in
///     routes.get("/entities") { _, _ in JSONBody(JSONValue.array([["kind": "Component"]])) }
/// }
/// ```
public struct TestPlugin: BackendPlugin {
    /// The plugin id (its routes are under `/api/<id>`).
    public let id: String
    /// What `register` does.
    public let setup: @Sendable (PluginRoutes, PluginEnvironment) async throws -> Void

    /// A plugin `id` whose registration runs `setup`.
    public init(_ id: String, setup: @escaping @Sendable (PluginRoutes, PluginEnvironment) async throws -> Void) {
        self.id = id
        self.setup = setup
    }

    /// Runs `setup`.
    public func register(_ routes: PluginRoutes, _ env: PluginEnvironment) async throws {
        try await setup(routes, env)
    }
}
