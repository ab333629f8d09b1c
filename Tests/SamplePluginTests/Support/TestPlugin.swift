import BackendKit

/// A plugin whose registration is a closure.
struct TestPlugin: BackendPlugin {
    let id: String
    let setup: @Sendable (PluginRoutes, PluginEnvironment) async throws -> Void

    init(_ id: String, setup: @escaping @Sendable (PluginRoutes, PluginEnvironment) async throws -> Void) {
        self.id = id
        self.setup = setup
    }

    func register(_ routes: PluginRoutes, _ env: PluginEnvironment) async throws {
        try await setup(routes, env)
    }
}

/// Records the `Authorization` header of every call.
actor HeaderLog {
    private(set) var values: [String] = []

    func record(_ value: String) {
        values.append(value)
    }
}
