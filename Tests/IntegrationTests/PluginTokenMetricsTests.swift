import BackendTestSupport
import Foundation
import NIOHTTP1
import Testing

/// `backend_auth_callers_total` with the shipped binary and PyJWT-minted plugin tokens: a verified plugin caller is
/// `plugin:<sub>` in the `caller` label, and nothing from a token that did not verify becomes a label.
@Suite("Caller label of plugin tokens in the metrics", .serialized)
struct PluginTokenMetricsTests {
    @Test("verified plugin callers are counted as plugin:<sub>, allowed or restricted; refused tokens add no caller")
    func callerLabel() async throws {
        try await TemporaryDirectory.with { dir in
            try await TemporaryDirectory.with { intruderDir in
                let minted = try await PluginTokenProcessTests.mint(dir, issuer: "pyplugin", audience: "search")
                // The same key, for the scaffolder, which pluginAccess closes to pyplugin.
                let forScaffolder = try await Python.run(
                    """
                    import sys, time, jwt
                    key = open(sys.argv[1] + "/private.pem").read()
                    now = int(time.time())
                    claims = {"sub": "pyplugin", "aud": "scaffolder", "iat": now, "exp": now + 3600}
                    print(jwt.encode(claims, key, algorithm="ES256", headers={"typ": "vnd.backstage.plugin", "kid": "py-1"}))
                    """, [dir.url.path]
                ).trimmingCharacters(in: .whitespacesAndNewlines)
                // A plugin whose key set discovery does not find: its tokens are refused (401).
                let intruder = try await PluginTokenProcessTests.mint(
                    intruderDir, issuer: "intruder", audience: "search")
                let (peer, peerPort) = try await PluginTokenProcessTests.peer(
                    dir.url.appendingPathComponent("peer-jwks.json").path)
                defer { peer.stop() }
                let config = try dir.write(
                    "app-config.yaml",
                    """
                    backend:
                      baseUrl: http://127.0.0.1:7007
                      listen: {host: 127.0.0.1, port: 0}
                      metrics: {listen: '127.0.0.1:0'}
                      auth:
                        pluginKeyStore: {keyDuration: 20m}
                        pluginAccess:
                          - {plugin: scaffolder, callers: [search]}
                    discovery:
                      endpoints:
                        - target: http://127.0.0.1:\(peerPort)/api/{{pluginId}}
                          plugins: [pyplugin]
                    search:
                      collators:
                        catalog: {initialDelay: 1h, frequency: 1h}
                    """)
                try await BackendProcess.withServer(
                    arguments: ["run", "--config", config, "--plugins", "search,scaffolder"],
                    environment: ["BACKEND_ENV": "production"]
                ) { backend, port in
                    let metricsPort = try await backend.waitForMetricsPort()
                    let base = "http://127.0.0.1:\(port)/api"
                    let query = base + "/search/query?term=x"
                    for _ in 0..<2 {
                        #expect(try await HTTP.send(.GET, query, token: minted.tokens["valid"]).status == 200)
                    }
                    let actions = base + "/scaffolder/v2/actions"
                    let denied = try await HTTP.send(.GET, actions, token: forScaffolder)
                    #expect(denied.status == 403, "\(denied.body)")
                    #expect(
                        PluginTokenProcessTests.message(denied)
                            == "Plugin 'scaffolder' does not accept calls from plugin 'pyplugin'")
                    for name in ["foreignKey", "wrongAudience", "badSubject"] {
                        #expect(try await HTTP.send(.GET, query, token: minted.tokens[name]).status == 401, "\(name)")
                    }
                    let refused = try await HTTP.send(.GET, query, token: intruder.tokens["valid"])
                    #expect(refused.status == 401, "\(refused.body)")

                    let samples = try await MetricsTests.scrape(metricsPort)
                    let callers = samples.filter { $0.name == "backend_auth_callers_total" }
                    #expect(
                        Set(callers.map(\.labels)) == [
                            ["plugin": "search", "caller": "plugin:pyplugin", "outcome": "allowed"],
                            ["plugin": "scaffolder", "caller": "plugin:pyplugin", "outcome": "restricted"],
                        ], "\(callers)")
                    #expect(
                        MetricsTests.value(
                            samples, "backend_auth_callers_total",
                            ["plugin": "search", "caller": "plugin:pyplugin", "outcome": "allowed"]) == 2)
                    #expect(
                        MetricsTests.value(
                            samples, "backend_auth_callers_total",
                            ["plugin": "scaffolder", "caller": "plugin:pyplugin", "outcome": "restricted"]) == 1)
                    #expect(
                        MetricsTests.value(
                            samples, "backend_auth_failures_total", ["plugin": "search", "reason": "signature"]) == 2,
                        "the foreign key and the intruder")
                    let text = try await HTTP.send(.GET, "http://127.0.0.1:\(metricsPort)/metrics").body
                    #expect(!text.contains("intruder"))
                    // The request log names the same caller.
                    #expect(backend.stderr.contains("subject=plugin:pyplugin"))
                }
            }
        }
    }
}
