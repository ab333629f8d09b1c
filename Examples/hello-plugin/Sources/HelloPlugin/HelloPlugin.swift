import BackendKit

/// A minimal plugin: one public route, one route that requires a server token.
///
/// Mounted at `/api/hello`:
/// - `GET /api/hello/greeting` (public) → `Hello, world!` or the configured `hello.greeting`
/// - `GET /api/hello/whoami` (token required) → `{"caller":"service"}`
public struct HelloPlugin: BackendPlugin {
    /// The plugin id and mount path segment.
    public let id = "hello"

    /// Creates the plugin.
    public init() {}

    /// The plugin's config keys: the host warns about any other key under `hello` (a typo such as `hello.greting`),
    /// and `config print` and `config schema` know them.
    public var configSchema: ConfigSchema {
        ConfigSchema([
            .init(
                "hello.greeting", type: .string, default: "Hello, world!",
                description: "What GET /api/hello/greeting answers.")
        ])
    }

    /// Adds the routes.
    public func register(_ routes: PluginRoutes, _ env: PluginEnvironment) async throws {
        // Read the plugin's own config section at startup; a mistyped value is a startup error.
        let greeting = try env.config.getOptionalString("hello.greeting") ?? "Hello, world!"
        env.logger.info("Greeting with '\(greeting)'")

        routes.get("/greeting", access: .public) { _, _ in
            greeting
        }

        routes.get("/whoami") { _, context in
            WhoAmI(caller: context.caller.description)
        }
    }
}

/// The body of `GET /whoami`.
public struct WhoAmI: ResponseCodable, Equatable {
    /// `service` when a valid server token was sent (or auth is disabled).
    public let caller: String
}
