import BackendConfig
import BackendKit
import BackendRuntime
import BackendTestSupport
import BackendTesting
import Testing

/// A third-party plugin that declares its own config keys, as any plugin can.
struct GreetingPlugin: BackendPlugin {
    let id = "greeting"

    var configSchema: ConfigSchema {
        ConfigSchema([
            .init("greeting.text", type: .string, default: "Hello", description: "What the plugin says."),
            .init("greeting.apiKey", type: .string, description: "A key for the greeting service.", secret: true),
        ])
    }

    func register(_ routes: PluginRoutes, _ env: PluginEnvironment) async throws {
        let text = try env.config.getOptionalString("greeting.text") ?? "Hello"
        routes.get("/", access: .public) { _, _ in text }
    }
}

@Suite("Config schema at startup")
struct ConfigSchemaHostTests {
    @Test("a plugin's declared keys pass; its near misses and other unknown keys are warned about once each")
    func pluginKeys() async throws {
        let logs = TestLogs()
        let yaml = """
            backend: {baseUrl: 'http://localhost:7007', lisen: 1}
            greeting: {text: Hi, apiKey: k, txet: Hi}
            other: {anything: 1}
            """
        try await TestHost.with(yaml: yaml, logs: logs, plugins: [GreetingPlugin()]) { _ in }
        let warnings = logs.entries.filter { $0.level == .warning && $0.message.description.hasPrefix("Unknown key") }
            .map(
                \.message)
        #expect(
            warnings == [
                "Unknown key 'backend.lisen' in <memory>; did you mean 'backend.listen'?",
                "Unknown key 'greeting.txet' in <memory>; did you mean 'greeting.text'?",
            ])
    }

    @Test("without the plugin its section is not checked; with it, the schema declares its keys")
    func schemaOfPlugins() {
        #expect(BackendHost.configSchema.key("greeting.text") == nil)
        let schema = BackendHost.configSchema(plugins: [GreetingPlugin()])
        #expect(schema.key("greeting.text")?.defaultValue == "Hello")
        #expect(schema.key("greeting.apiKey")?.isSecret == true)
        #expect(schema.key("backend.auth.keys[].secret")?.isSecret == true)
        #expect(schema.roots == ["backend", "discovery", "greeting"])
    }

    @Test(
        "an unknown key under backend.auth (or dedented out of it) is a startup error in every environment",
        arguments: BackendEnvironment.allCases)
    func authTypoFailsStartup(environment: BackendEnvironment) async throws {
        let cases = [
            (
                "backend: {auth: {keys: [{secret: c2VjcmV0LWtleS10aGF0LWlzLWxvbmctZW5vdWdo}], keyz: []}}",
                "Unknown key 'backend.auth.keyz' in <memory>; did you mean 'backend.auth.keys'? (unknown keys in "
                    + "backend.auth are refused: a typo there silently changes who may call)"
            ),
            (
                "backend: {auth: null, keys: [{secret: c2VjcmV0LWtleS10aGF0LWlzLWxvbmctZW5vdWdo}]}",
                "Unknown key 'backend.keys' in <memory>; did you mean 'backend.auth.keys'? (unknown keys in "
                    + "backend.auth are refused: a typo there silently changes who may call)"
            ),
        ]
        for (yaml, message) in cases {
            let options = try TestHost.options(yaml: yaml, environment: environment)
            let error = await #expect(throws: BackendStartupError.self) {
                try await BackendHost(options: options).withRunning(plugins: []) { _ in }
            }
            #expect(error?.reason == message)
        }
    }

    @Test("backend.auth present but configuring nobody is a startup error; keys: [] still generates a key")
    func emptyAuth() async throws {
        let options = try TestHost.options(yaml: "backend: {auth: {}}")
        let error = await #expect(throws: BackendStartupError.self) {
            try await BackendHost(options: options).withRunning(plugins: []) { _ in }
        }
        #expect(error?.reason.hasPrefix("backend.auth in <memory> configures no keys and no externalAccess") == true)
        let kind = try await TestHost.with(yaml: "backend: {auth: {keys: []}}", plugins: []) { host in
            host.tokenManagerKind
        }
        #expect(kind == "server (generated key)")
    }
}
