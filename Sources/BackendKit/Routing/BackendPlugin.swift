/// A backend plugin: an id and the routes (and background work) it adds to the host.
///
/// The host mounts the plugin's routes under `/api/<id>`. Startup runs in two phases, before the server listens:
/// every plugin's ``contribute(to:_:)`` (adding to other plugins' ``ExtensionPoint``s), then every plugin's
/// ``register(_:_:)``. An error thrown from either is a startup failure.
///
/// ```swift
/// import BackendKit
///
/// public struct HelloPlugin: BackendPlugin {
///     public let id = "hello"
///     public init() {}
///     public func register(_ routes: PluginRoutes, _ env: PluginEnvironment) async throws {
///         routes.get("/greeting", access: .public) { _, _ in "hello" }
///         routes.get("/whoami") { _, context in context.caller.description }
///     }
/// }
/// ```
public protocol BackendPlugin: Sendable {
    /// The plugin id: the mount path segment (`/api/<id>`) and the name other plugins use to call it.
    /// Letters, digits, `-`, `_` and `.` only.
    var id: String { get }

    /// Adds the plugin's routes and background work.
    ///
    /// - Parameters:
    ///   - routes: Where to add routes (relative to `/api/<id>`) and background work.
    ///   - env: The plugin's logger, config, token manager, discovery and service client.
    func register(_ routes: PluginRoutes, _ env: PluginEnvironment) async throws

    /// Adds this plugin's contributions to other plugins' extension points (see ``ExtensionPoint``).
    ///
    /// Runs for every plugin before any plugin's ``register(_:_:)``, so the plugin offering an extension point sees
    /// every contribution when it registers. The default contributes nothing.
    ///
    /// ```swift
    /// public func contribute(to extensions: PluginExtensions, _ env: PluginEnvironment) async throws {
    ///     try extensions.contribute(GreetAction(), to: ScaffolderExtensionPoints.actions)
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - extensions: Where to contribute, as this plugin.
    ///   - env: The same environment ``register(_:_:)`` gets (its config, logger, client).
    func contribute(to extensions: PluginExtensions, _ env: PluginEnvironment) async throws

    /// Reads the plugin's config section the way ``register(_:_:)`` will, without side effects, and returns
    /// every problem found (empty when the section is valid).
    ///
    /// `backend config check` calls this so that a bad plugin section is reported before startup. The
    /// default implementation reads nothing and returns no problems.
    ///
    /// - Parameter config: The root config.
    func checkConfig(_ config: Config) -> [any Error]

    /// The config keys the plugin reads, each with its type, default, description and whether it is a secret.
    ///
    /// The host merges every plugin's schema with its own: `backend config check` reports the keys under a
    /// declared root (such as `hello`) that no schema declares, `backend run` warns about them, `backend config
    /// print` hides secret values and `backend config schema` prints them all. The default declares none (the
    /// plugin's section is then not checked).
    ///
    /// ```swift
    /// public var configSchema: ConfigSchema {
    ///     ConfigSchema([
    ///         .init("hello.greeting", type: .string, default: "Hello, world!", description: "What GET /greeting says.")
    ///     ])
    /// }
    /// ```
    var configSchema: ConfigSchema { get }
}

extension BackendPlugin {
    /// Contributes nothing.
    public func contribute(to extensions: PluginExtensions, _ env: PluginEnvironment) async throws {}

    /// Reads nothing: a plugin without config has nothing to check.
    public func checkConfig(_ config: Config) -> [any Error] { [] }

    /// Declares no keys.
    public var configSchema: ConfigSchema { ConfigSchema() }
}
