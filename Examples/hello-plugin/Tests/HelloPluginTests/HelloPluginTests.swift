import AsyncHTTPClient
import BackendKit
import BackendRuntime
import HelloPlugin
import Testing

@Suite struct HelloPluginTests {
    /// A host on 127.0.0.1 with a free port, a shared secret and the plugin's config.
    static func options() throws -> BackendHostOptions {
        let yaml = """
            backend:
              auth:
                keys:
                  - secret: aGVsbG8tcGx1Z2luLXRlc3Qtc2VjcmV0LTAxMjM0NTY3ODk=
            hello:
              greeting: Hi there
            """
        return BackendHostOptions(
            config: Config(try ConfigLoader.parse(yaml: yaml)),
            environment: .development,
            processEnvironment: [:],
            logLevel: .warning,
            listenHost: "127.0.0.1",
            listenPort: 0
        )
    }

    static func get(_ url: String, token: String? = nil) async throws -> (status: UInt, body: String) {
        var request = HTTPClientRequest(url: url)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (response.status.code, String(buffer: body))
    }

    @Test func publicGreetingNeedsNoToken() async throws {
        try await BackendHost(options: try Self.options()).withRunning(plugins: [HelloPlugin()]) { host in
            let response = try await Self.get("\(host.baseURL)/api/hello/greeting")
            #expect(response.status == 200)
            #expect(response.body == "Hi there")
        }
    }

    @Test func whoamiRequiresAServerToken() async throws {
        try await BackendHost(options: try Self.options()).withRunning(plugins: [HelloPlugin()]) { host in
            let anonymous = try await Self.get("\(host.baseURL)/api/hello/whoami")
            #expect(anonymous.status == 401)
            #expect(anonymous.body.contains(#""name":"AuthenticationError""#))

            let token = try await host.tokenManager.getToken().token
            let service = try await Self.get("\(host.baseURL)/api/hello/whoami", token: token)
            #expect(service.status == 200)
            #expect(service.body == #"{"caller":"service"}"#)
        }
    }
}

@Suite struct HelloPluginConfigSchemaTests {
    /// The plugin declares `hello.greeting`, so a typo under `hello` is reported with the key it meant.
    @Test func typosUnderHelloAreReported() throws {
        let config = Config(try ConfigLoader.parse(yaml: "hello: {greeting: Hi, greting: Hi}"))
        let check = BackendHost.checkConfigKeys(config, plugins: [HelloPlugin()])
        #expect(check.warnings == ["Unknown key 'hello.greting' in <memory>; did you mean 'hello.greeting'?"])
        #expect(check.errors.isEmpty)
    }
}
