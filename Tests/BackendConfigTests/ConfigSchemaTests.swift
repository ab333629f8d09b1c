import BackendJSON
import Testing

@testable import BackendConfig

@Suite("Config schema: line tracking, unknown keys, suggestions, JSON Schema, redaction")
struct ConfigSchemaTests {
    /// A small schema in the host's shape.
    static let schema = ConfigSchema([
        .init("backend.baseUrl", type: .string, default: "http://localhost:7007", description: "Base URL."),
        .init("backend.listen", type: [.integer, .string, .object], description: "Where to bind."),
        .init("backend.listen.host", type: .string, description: "Host."),
        .init("backend.listen.port", type: .integer, default: 7007, description: "Port."),
        .init("backend.auth.keys", type: .array, description: "Keys."),
        .init("backend.auth.keys[].secret", type: .string, description: "A secret.", secret: true),
        .init("backend.auth.externalAccess", type: .array, description: "Callers."),
        .init("backend.database.plugin.*.client", type: .string, description: "A plugin's client."),
        .init("backend.lifecycle.serverShutdownDelay", type: .duration, description: "Delay."),
        .init("hello.signingMaterial", type: .object, description: "Not named like a secret.", secret: true),
    ])

    func unknown(
        _ files: [String: String], load paths: [String], environment: [String: String] = [:]
    ) throws
        -> [String]
    {
        try withTemporaryDirectory { dir in
            for (name, text) in files { try dir.write(name, text) }
            let loaded = try dir.loader(environment).load(paths: paths)
            return Self.schema.unknownKeys(in: loaded.config).map(\.description)
        }
    }

    @Test("every value knows the line of its key; array elements their own line")
    func lines() throws {
        try withTemporaryDirectory { dir in
            try dir.write(
                "app.yaml",
                """
                # a comment
                backend:
                  listen:
                    port: 7007
                  auth:
                    keys:
                      - secret: a
                      -
                        secret: b
                  flow: {x: 1,
                    y: 2}
                """)
            let config = try dir.loader().load(paths: ["app.yaml"]).config
            #expect(config.source(of: "backend") == ConfigSource(name: "app.yaml", line: 2))
            #expect(config.source(of: "backend.listen")?.location == "app.yaml:3")
            #expect(config.source(of: "backend.listen.port")?.location == "app.yaml:4")
            #expect(config.source(of: "backend.auth.keys")?.location == "app.yaml:6")
            let keys = try config.getConfigArray("backend.auth.keys")
            #expect(keys[0].source(of: "secret")?.location == "app.yaml:7")
            #expect(keys[1].source(of: "secret")?.location == "app.yaml:9")
            #expect(config.source(of: "backend.flow.y")?.location == "app.yaml:11")
        }
    }

    @Test("an included file's keys name that file and line; the including key names its own")
    func includeLines() throws {
        try withTemporaryDirectory { dir in
            try dir.write("conf/auth.yaml", "\nkeys:\n  - secret: a\n")
            try dir.write("conf/app.yaml", "backend:\n  auth:\n    $include: auth.yaml\n  port:\n    $env: PORT\n")
            let config = try dir.loader(["PORT": "1"]).load(paths: ["conf/app.yaml"]).config
            #expect(config.source(of: "backend.auth")?.location == "conf/app.yaml:2")
            #expect(config.source(of: "backend.auth.keys")?.location == "conf/auth.yaml:2")
            #expect(config.source(of: "backend.port")?.location == "conf/app.yaml:4")
        }
    }

    @Test("an APP_CONFIG_ value names its variable")
    func environmentVariableSource() throws {
        try withTemporaryDirectory { dir in
            try dir.write("app.yaml", "backend:\n  baseUrl: http://a\n")
            let environment = ["APP_CONFIG_backend_auth": #"{"keyz": [1]}"#, "APP_CONFIG_backend_listen_port": "1"]
            let config = try dir.loader(environment).load(paths: ["app.yaml"]).config
            #expect(config.source(of: "backend.auth.keyz")?.location == "APP_CONFIG_backend_auth")
            #expect(config.source(of: "backend.listen.port")?.location == "APP_CONFIG_backend_listen_port")
            #expect(config.source(of: "backend.listen.port")?.name == "env")
            #expect(config.source(of: "backend.baseUrl")?.location == "app.yaml:2")
        }
    }

    @Test("an unknown key is reported with file:line and the near miss")
    func unknownKey() throws {
        let messages = try unknown(
            [
                "app-config.yaml": "backend:\n  baseUrl: http://a\n",
                "app-config.local.yaml": "backend:\n  auth:\n    keyz: []\n",
            ],
            load: ["app-config.yaml", "app-config.local.yaml"])
        #expect(
            messages == [
                "Unknown key 'backend.auth.keyz' in app-config.local.yaml:3; did you mean 'backend.auth.keys'?"
            ])
    }

    @Test("keys dedented or indented one level suggest where they belong")
    func movedKeys() throws {
        let dedented = try unknown(
            ["a.yaml": "backend:\n  auth:\n  keys:\n    - secret: x\n  externalAccess: []\n"], load: ["a.yaml"])
        #expect(
            dedented == [
                "Unknown key 'backend.keys' in a.yaml:3; did you mean 'backend.auth.keys'?",
                "Unknown key 'backend.externalAccess' in a.yaml:5; did you mean 'backend.auth.externalAccess'?",
            ])
        let indented = try unknown(["a.yaml": "backend:\n  auth:\n    baseUrl: x\n"], load: ["a.yaml"])
        #expect(indented == ["Unknown key 'backend.auth.baseUrl' in a.yaml:3; did you mean 'backend.baseUrl'?"])
    }

    @Test("near misses: one letter, letter case, swapped letters; array indices and * keep the written names")
    func nearMisses() throws {
        let messages = try unknown(
            [
                "a.yaml": """
                backend:
                  baseURL: x
                  listen: {prot: 1, hots: h}
                  auth:
                    keys:
                      - secret: a
                      - secrte: b
                  database:
                    plugin:
                      catalog: {clinet: pg}
                  zzz: 1
                """
            ], load: ["a.yaml"])
        #expect(
            messages == [
                "Unknown key 'backend.baseURL' in a.yaml:2; did you mean 'backend.baseUrl'?",
                "Unknown key 'backend.listen.prot' in a.yaml:3; did you mean 'backend.listen.port'?",
                "Unknown key 'backend.listen.hots' in a.yaml:3; did you mean 'backend.listen.host'?",
                "Unknown key 'backend.auth.keys[1].secrte' in a.yaml:7; did you mean 'backend.auth.keys[1].secret'?",
                "Unknown key 'backend.database.plugin.catalog.clinet' in a.yaml:10; "
                    + "did you mean 'backend.database.plugin.catalog.client'?",
                "Unknown key 'backend.zzz' in a.yaml:11",
            ])
    }

    @Test("other roots, open objects and the inside of an unknown key are not reported; null keys are")
    func whatIsChecked() throws {
        let messages = try unknown(
            [
                "a.yaml": """
                app: {title: x, anything: 1}
                backend:
                  lifecycle: {serverShutdownDelay: {seconds: 5}}
                  listen: 7007
                  nope: {deeper: {deepest: 1}}
                  missing: ${NOT_SET}
                  empty:
                hello:
                  signingMaterial: {anything: 1}
                """
            ], load: ["a.yaml"])
        #expect(
            messages == [
                "Unknown key 'backend.nope' in a.yaml:5", "Unknown key 'backend.missing' in a.yaml:6",
                "Unknown key 'backend.empty' in a.yaml:7",
            ])
    }

    @Test("unknown keys through $include and APP_CONFIG_ name their source")
    func sources() throws {
        let messages = try unknown(
            [
                "app.yaml": "backend:\n  auth:\n    $include: parts/auth.yaml\n",
                "parts/auth.yaml": "keys: []\nkeyz: []\n",
            ],
            load: ["app.yaml"], environment: ["APP_CONFIG_backend_listen_prot": "7008"])
        #expect(
            messages == [
                "Unknown key 'backend.auth.keyz' in parts/auth.yaml:2; did you mean 'backend.auth.keys'?",
                "Unknown key 'backend.listen.prot' in APP_CONFIG_backend_listen_prot; did you mean 'backend.listen.port'?",
            ])
    }

    @Test("concerns(_:) holds for keys in a section and keys suggested into it")
    func concerns() {
        let inside = UnknownConfigKey(key: "backend.auth.keyz", source: .environment, suggestion: nil)
        let moved = UnknownConfigKey(key: "backend.keys", source: .environment, suggestion: "backend.auth.keys")
        let outside = UnknownConfigKey(key: "backend.authority", source: .environment, suggestion: "backend.auth")
        let other = UnknownConfigKey(key: "backend.authz", source: .environment, suggestion: nil)
        #expect(inside.concerns("backend.auth"))
        #expect(moved.concerns("backend.auth"))
        #expect(outside.concerns("backend.auth"))
        #expect(!other.concerns("backend.auth"))
    }

    @Test("the JSON Schema nests keys, closes declared objects and marks secrets")
    func jsonSchema() throws {
        let document = Self.schema.jsonSchema
        #expect(document["$schema"] == "https://json-schema.org/draft/2020-12/schema")
        #expect(document["additionalProperties"] == nil)
        let backend = try #require(document["properties"]?["backend"])
        #expect(backend["additionalProperties"] == false)
        let port = backend["properties"]?["listen"]?["properties"]?["port"]
        #expect(port == ["type": "integer", "description": "Port.", "default": 7007])
        #expect(backend["properties"]?["listen"]?["type"] == ["string", "integer", "object"])
        let secret = backend["properties"]?["auth"]?["properties"]?["keys"]?["items"]?["properties"]?["secret"]
        #expect(secret?["visibility"] == "secret")
        let plugin = backend["properties"]?["database"]?["properties"]?["plugin"]
        #expect(plugin?["additionalProperties"]?["properties"]?["client"]?["type"] == "string")
        let delay = backend["properties"]?["lifecycle"]?["properties"]?["serverShutdownDelay"]
        #expect(delay?["type"] == ["string", "number", "object"])
        #expect(delay?["format"] == "duration")
    }

    @Test("config print hides keys the schema marks secret, and what the name rules hide")
    func redaction() {
        let value: JSONValue = [
            "backend": ["auth": ["keys": [["secret": "abc"]]], "baseUrl": "http://u:pw@host"],
            "hello": ["signingMaterial": ["pem": "-----BEGIN", "bits": 2048, "enabled": true]],
        ]
        let redacted = Self.schema.redactingSecrets(in: value)
        #expect(
            redacted == [
                "backend": ["auth": ["keys": [["secret": "<secret>"]]], "baseUrl": "http://u:<secret>@host"],
                "hello": ["signingMaterial": ["pem": "<secret>", "bits": "<secret>", "enabled": true]],
            ])
    }

    @Test("a path is declared once; roots in order")
    func model() {
        let schema = ConfigSchema(merging: [
            ConfigSchema([.init("b.x", type: .string, description: "first")]),
            ConfigSchema([
                .init("b.x", type: .integer, description: "second"), .init("a.y", type: .array, description: ""),
            ]),
        ])
        #expect(schema.keys.map(\.path) == ["b.x", "a.y"])
        #expect(schema.key("b.x")?.description == "first")
        #expect(schema.roots == ["b", "a"])
        #expect(ConfigSchema.segments(of: "a.b[][].c") == ["a", "b", "[]", "[]", "c"])
        #expect(ConfigValueType([.duration, .string]).names == ["string", "duration"])
    }
}
