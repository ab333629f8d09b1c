import BackendKit
import ScaffolderActions

/// A plugin that shows each part of the plugin API once: config, a database table with a migration, a scheduled
/// task, a call to another plugin, a public route and guarded ones.
///
/// Mounted at `/api/hello`:
/// - `GET /greeting` (public): `Hello, world!` or the configured `hello.greeting`;
/// - `GET /whoami` (token required): `{"caller":"service","subject":"…"}`;
/// - `POST /greetings` (token required) with `{"name":"Ada"}`: stores a greeting for Ada, answers 201 with it;
/// - `GET /greetings` (public): the stored greetings, newest first;
/// - `GET /greetings/for/:user` (token required): `{"message":"Hello, Jane Doe!"}`, with the display name the
///   `catalog` plugin has for `user:default/<user>`.
///
/// A scheduled task, `tidy-greetings`, keeps the newest `hello.keep` greetings (hourly). When the backend also runs
/// the scaffolder, the plugin contributes the step action `hello:greet` (``GreetAction``) to it.
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
                description: "What GET /api/hello/greeting answers, and how stored greetings begin."),
            .init(
                "hello.keep", type: .integer, default: 100,
                description: "How many greetings the hourly tidy-greetings task keeps (the newest)."),
        ])
    }

    /// Contributes `hello:greet` to the scaffolder's actions (ignored when the backend runs no scaffolder).
    public func contribute(to extensions: PluginExtensions, _ env: PluginEnvironment) async throws {
        let greeting = try env.config.getOptionalString("hello.greeting") ?? "Hello, world!"
        try extensions.contribute(
            GreetAction(store: GreetingStore(database: env.database), greeting: greeting),
            to: ScaffolderExtensionPoints.actions)
    }

    /// Adds the routes and the scheduled task.
    public func register(_ routes: PluginRoutes, _ env: PluginEnvironment) async throws {
        // Read the plugin's own config section at startup; a mistyped value is a startup error.
        let greeting = try env.config.getOptionalString("hello.greeting") ?? "Hello, world!"
        let keep = try env.config.getOptionalInt("hello.keep", minimum: 0) ?? 100
        env.logger.info("Greeting with '\(greeting)'")

        let store = GreetingStore(database: env.database)
        try await store.migrate()

        routes.get("/greeting", access: .public) { _, _ in
            greeting
        }

        routes.get("/whoami") { _, context in
            WhoAmI(caller: context.caller.description, subject: context.caller.subject)
        }

        routes.post("/greetings") { request, context in
            let body = try await request.decodeJSONBody(
                limit: 4096, expecting: #"a JSON object such as {"name":"Ada"}"#)
            guard let name = body["name"]?.stringValue, !name.isEmpty else {
                throw InputError("Expected a non-empty string 'name'")
            }
            let stored = try await store.add(name: name, by: context.caller.subject)
            return JSONBody(stored, status: .created)
        }

        routes.get("/greetings", access: .public) { _, _ in
            JSONBody(try await store.all())
        }

        routes.get("/greetings/for/:user") { _, context in
            let user = try context.pathParameter("user")
            // A 404 from the catalog reaches this route's caller as the same 404.
            let entity = try await env.client.get(
                CatalogUser.self, plugin: "catalog",
                path: "/entities/by-name/user/default/\(PercentEncoding.encodeComponent(user))")
            return Personal(message: "Hello, \(entity.spec?.profile?.displayName ?? entity.metadata.name)!")
        }

        try await env.scheduler.scheduleTask(
            id: "tidy-greetings", frequency: .seconds(3600), timeout: .seconds(60), initialDelay: .seconds(3600)
        ) {
            let removed = try await store.keepNewest(keep)
            env.logger.info("Removed \(removed) old greeting(s)")
        }
    }
}

/// The body of `GET /whoami`.
public struct WhoAmI: ResponseCodable, Equatable, Sendable {
    /// `service` when a valid token was sent (or auth is disabled).
    public let caller: String
    /// Who sent it: `external:backstage-plugin` for another plugin of this deployment, or an `externalAccess`
    /// entry's subject; absent when auth is disabled.
    public let subject: String?

    /// An answer naming `caller` and `subject`.
    public init(caller: String, subject: String?) {
        self.caller = caller
        self.subject = subject
    }
}

/// The body of `GET /greetings/for/:user`.
public struct Personal: ResponseCodable, Equatable, Sendable {
    /// `Hello, <display name>!` (the user's name when the catalog has no display name).
    public let message: String

    /// An answer saying `message`.
    public init(message: String) {
        self.message = message
    }
}

/// The part of a catalog user entity the plugin reads.
struct CatalogUser: Decodable {
    struct Metadata: Decodable { let name: String }
    struct Spec: Decodable { let profile: Profile? }
    struct Profile: Decodable { let displayName: String? }
    let metadata: Metadata
    let spec: Spec?
}
