import BackendKit

/// A plugin whose registration is a closure, for tests that need a route or two.
///
/// ```swift
/// let echo = TestPlugin("echo") { routes, _ in
///     routes.get("/caller") { _, context in context.caller.description }
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
