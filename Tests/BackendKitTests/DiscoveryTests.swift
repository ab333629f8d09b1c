import BackendConfig
import BackendKit
import BackendRuntime
import Testing

@Suite("Discovery and listen addresses")
struct DiscoveryTests {
    static func config(_ yaml: String) throws -> Config {
        Config(try ConfigLoader.parse(yaml: yaml))
    }

    @Test func defaultsUseTheListenAddressAndBaseUrl() async throws {
        let discovery = try HostDiscovery.fromConfig(try Self.config("{}"))
        #expect(try await discovery.getBaseUrl("catalog") == "http://127.0.0.1:7007/api/catalog")
        #expect(try await discovery.getExternalBaseUrl("catalog") == "http://localhost:7007/api/catalog")
    }

    @Test func wildcardHostsBecomeLoopback() async throws {
        for (listen, expected) in [
            ("0.0.0.0:8000", "http://127.0.0.1:8000/api/x"),
            ("'[::]:8000'", "http://127.0.0.1:8000/api/x"),
            ("'[::1]:8000'", "http://[::1]:8000/api/x"),
            ("{host: example.internal, port: 9000}", "http://example.internal:9000/api/x"),
        ] {
            let discovery = try HostDiscovery.fromConfig(try Self.config("backend: {listen: \(listen)}"))
            #expect(try await discovery.getBaseUrl("x") == expected)
        }
    }

    @Test func baseUrlTrailingSlashIsDropped() async throws {
        let discovery = try HostDiscovery.fromConfig(
            try Self.config("backend: {baseUrl: 'https://backstage.example.com/'}"))
        #expect(try await discovery.getExternalBaseUrl("search") == "https://backstage.example.com/api/search")
    }

    @Test func endpointOverridesWithStringAndObjectTargets() async throws {
        let discovery = try HostDiscovery.fromConfig(
            try Self.config(
                """
                backend:
                  baseUrl: http://public.example.com
                discovery:
                  endpoints:
                    - target: http://catalog.internal:7007/api/{{pluginId}}
                      plugins: [catalog, scaffolder]
                    - target:
                        internal: http://search.internal/api/{{ pluginId }}
                        external: https://search.example.com/{{pluginId}}/v1
                      plugins: [search]
                    - target:
                        external: https://only-external.example.com/{{  pluginId  }}
                      plugins: [partial]
                    - target: http://second-match.example.com/{{pluginId}}
                      plugins: [catalog]
                """))
        #expect(try await discovery.getBaseUrl("catalog") == "http://catalog.internal:7007/api/catalog")
        #expect(try await discovery.getExternalBaseUrl("catalog") == "http://catalog.internal:7007/api/catalog")
        #expect(try await discovery.getBaseUrl("scaffolder") == "http://catalog.internal:7007/api/scaffolder")
        #expect(try await discovery.getBaseUrl("search") == "http://search.internal/api/search")
        #expect(try await discovery.getExternalBaseUrl("search") == "https://search.example.com/search/v1")
        #expect(try await discovery.getBaseUrl("partial") == "http://127.0.0.1:7007/api/partial")
        #expect(try await discovery.getExternalBaseUrl("partial") == "https://only-external.example.com/partial")
        #expect(try await discovery.getBaseUrl("other") == "http://127.0.0.1:7007/api/other")
        #expect(try await discovery.getExternalBaseUrl("other") == "http://public.example.com/api/other")
    }

    @Test func pluginIdIsURLEncodedInTemplates() async throws {
        let discovery = HostDiscovery(
            listen: ListenAddress(),
            endpoints: [
                DiscoveryEndpoint(
                    internalTarget: "http://h/{{pluginId}}/{{other}}", externalTarget: nil, plugins: ["a b"])
            ]
        )
        #expect(try await discovery.getBaseUrl("a b") == "http://h/a%20b/{{other}}")
    }

    @Test func invalidEndpointsAreConfigErrors() throws {
        #expect(throws: ConfigError.self) {
            try HostDiscovery.fromConfig(try Self.config("discovery: {endpoints: [{target: 5, plugins: [a]}]}"))
        }
        #expect(throws: ConfigError.self) {
            try HostDiscovery.fromConfig(try Self.config("discovery: {endpoints: [{target: http://x}]}"))
        }
    }

    @Test func liveHostUsesTheBoundPortAndOverrides() async throws {
        let yaml = """
            discovery:
              endpoints:
                - target: http://elsewhere.example.com/api/{{pluginId}}
                  plugins: [remote]
            """
        try await TestHost.with(yaml: yaml, plugins: []) { (host: RunningBackend) async throws in
            #expect(try await host.discovery.getBaseUrl("local") == "http://127.0.0.1:\(host.port)/api/local")
            #expect(try await host.discovery.getBaseUrl("remote") == "http://elsewhere.example.com/api/remote")
            #expect(try await host.discovery.getExternalBaseUrl("local") == "http://localhost:7007/api/local")
        }
    }

    @Test(arguments: [
        ("7008", ListenAddress(host: "127.0.0.1", port: 7008)),
        ("'7009'", ListenAddress(host: "127.0.0.1", port: 7009)),
        ("'0.0.0.0:80'", ListenAddress(host: "0.0.0.0", port: 80)),
        ("':81'", ListenAddress(host: "127.0.0.1", port: 81)),
        ("'[::1]:82'", ListenAddress(host: "::1", port: 82)),
        ("{port: 83}", ListenAddress(host: "127.0.0.1", port: 83)),
        ("{host: 10.0.0.1}", ListenAddress(host: "10.0.0.1", port: 7007)),
        ("{host: 10.0.0.1, port: '84'}", ListenAddress(host: "10.0.0.1", port: 84)),
    ])
    func listenForms(yaml: String, expected: ListenAddress) throws {
        #expect(try ListenAddress.fromConfig(try Self.config("backend: {listen: \(yaml)}")) == expected)
    }

    @Test func listenDefaultsAndErrors() throws {
        #expect(try ListenAddress.fromConfig(try Self.config("{}")) == ListenAddress(host: "127.0.0.1", port: 7007))
        for bad in ["'nonsense'", "'host:port'", "70000", "true", "'a:b:1'", "{port: -1}"] {
            #expect(throws: ConfigError.self, "\(bad)") {
                try ListenAddress.fromConfig(try Self.config("backend: {listen: \(bad)}"))
            }
        }
        let error = #expect(throws: ConfigError.self) {
            try ListenAddress.fromConfig(Config(.object(["backend": .object(["listen": .bool(true)])])))
        }
        #expect(
            error?.message
                == "Invalid type in config for key 'backend.listen' in '<memory>', got boolean, wanted number, string or object"
        )
    }
}
