import BackendTestSupport
import Foundation
import NIOHTTP1
import Testing

/// Plugin tokens between real processes on loopback: `backend run`, Python peers (`http.server`) serving key sets
/// and capturing tokens, PyJWT and `cryptography` as the oracle (`Tests/Fixtures/plugin_token_*.py`).
@Suite("Plugin tokens between processes", .serialized)
struct PluginTokenProcessTests {
    static let oracle = Repository.path("Tests/Fixtures/plugin_token_oracle.py").path
    static let peerScript = Repository.path("Tests/Fixtures/plugin_token_peer.py").path
    static let keyPath = "/.backstage/auth/v1/jwks.json"

    /// A Python peer serving `jwksFile` (or `status` at every key set URL), with its port.
    static func peer(_ jwksFile: String, status: Int = 200) async throws -> (BackendProcess, Int) {
        let server = try BackendProcess(
            ["python3", "-u", peerScript, jwksFile, String(status)], executable: URL(fileURLWithPath: "/usr/bin/env"))
        for _ in 0..<400 {
            if let range = server.stdout.range(of: #"port (\d+)"#, options: .regularExpression),
                let port = Int(server.stdout[range].dropFirst(5))
            {
                return (server, port)
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        server.stop()
        throw BackendProcess.Failure(description: "the peer did not start: \(server.stderr)")
    }

    /// The peer's key set fetch count and the Authorization headers it received.
    static func peerState(_ port: Int) async throws -> (fetches: Int, authorizations: [String]) {
        let state = try await HTTP.send(.GET, "http://127.0.0.1:\(port)/peer/state").json
        return (state["fetches"] as? Int ?? -1, state["authorizations"] as? [String] ?? [])
    }

    /// Python-made key pair, key set and tokens for plugin `issuer` calling `audience`.
    struct Minted {
        let jwks: String
        let tokens: [String: String]
    }

    static func mint(_ dir: TemporaryDirectory, issuer: String, audience: String) async throws -> Minted {
        let output = try await Python.run(
            "import runpy, sys; sys.argv = ['o', 'mint', '\(issuer)', '\(audience)', '\(dir.url.path)']; "
                + "runpy.run_path('\(oracle)', run_name='__main__')")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        let jwks = String(
            decoding: try JSONSerialization.data(withJSONObject: try #require(object["jwks"])), as: UTF8.self)
        _ = try dir.write("peer-jwks.json", jwks)
        return Minted(jwks: jwks, tokens: try #require(object["tokens"] as? [String: String]))
    }

    /// What PyJWT makes of `token` against `jwks` for `audience`.
    static func pyVerify(_ token: String, jwks: String, audience: String) async throws -> [String: Any] {
        let output = try await Python.run(
            "import runpy, sys; sys.argv = ['o', 'verify'] + sys.argv[1:]; runpy.run_path('\(oracle)', run_name='__main__')",
            [jwks, token, audience])
        return try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
    }

    static func message(_ response: HTTP.Response) -> String? {
        (response.json["error"] as? [String: Any])?["message"] as? String
    }

    @Test("our tokens verify in PyJWT; Python's tokens verify here; every refusal names its reason; pluginAccess 403")
    func pyJWTBothWays() async throws {
        try await TemporaryDirectory.with { dir in
            let minted = try await Self.mint(dir, issuer: "pyplugin", audience: "search")
            let (peer, peerPort) = try await Self.peer(dir.url.appendingPathComponent("peer-jwks.json").path)
            defer { peer.stop() }
            let config = try dir.write(
                "app-config.yaml",
                """
                backend:
                  baseUrl: http://127.0.0.1:7007
                  listen: {host: 127.0.0.1, port: 0}
                  auth:
                    pluginKeyStore: {keyDuration: 20m}
                    pluginAccess:
                      - {plugin: catalog, callers: [search]}
                discovery:
                  endpoints:
                    - target: http://127.0.0.1:\(peerPort)/api/{{pluginId}}
                      plugins: [catalog, pyplugin]
                search:
                  collators:
                    catalog: {initialDelay: 0s, frequency: 60s}
                """)
            try await BackendProcess.withServer(
                arguments: ["run", "--config", config, "--plugins", "search,scaffolder"],
                environment: ["BACKEND_ENV": "production"]
            ) { backend, port in
                let base = "http://127.0.0.1:\(port)/api"
                // The search collator called the catalog (the peer) with a plugin token.
                #expect(try await eventually { try await Self.peerState(peerPort).authorizations.count > 0 })
                let captured = try #require(try await Self.peerState(peerPort).authorizations.first)
                #expect(captured.hasPrefix("Bearer "))
                let token = String(captured.dropFirst("Bearer ".count))
                let ours = try await HTTP.send(.GET, base + "/search" + Self.keyPath)
                #expect(ours.status == 200)
                let verified = try await Self.pyVerify(token, jwks: ours.body, audience: "catalog")
                let header = try #require(verified["header"] as? [String: Any])
                let claims = try #require(verified["claims"] as? [String: Any])
                #expect(header["typ"] as? String == "vnd.backstage.plugin")
                #expect(header["alg"] as? String == "ES256")
                #expect(claims["sub"] as? String == "search")
                #expect(claims["aud"] as? String == "catalog")
                #expect((claims["exp"] as? Int ?? 0) - (claims["iat"] as? Int ?? 0) == 1200)
                let kids = ((ours.json["keys"] as? [[String: Any]]) ?? []).compactMap { $0["kid"] as? String }
                #expect(kids.contains(header["kid"] as? String ?? "-"))

                // Python's tokens for plugin pyplugin, whose key set the peer serves.
                let query = base + "/search/query?term=x"
                #expect(try await HTTP.send(.GET, query, token: minted.tokens["valid"]).status == 200)
                let peerURL = "http://127.0.0.1:\(peerPort)/api/pyplugin\(Self.keyPath)"
                let refusals: [(String, String)] = [
                    ("wrongAudience", #"Invalid plugin token: unexpected audience "other", this is plugin 'search'"#),
                    (
                        "unknownKid",
                        #"Invalid plugin token: unknown key "py-unknown": the key set of plugin 'pyplugin' at \#(peerURL) does not list it"#
                    ),
                    ("hs256", #"Invalid plugin token: unsupported alg "HS256"; plugin tokens are ES256"#),
                    ("none", #"Invalid plugin token: unsupported alg "none"; plugin tokens are ES256"#),
                    ("foreignKey", "Invalid plugin token: signature verification failed"),
                ]
                for (name, reason) in refusals {
                    let refused = try await HTTP.send(.GET, query, token: minted.tokens[name])
                    #expect(refused.status == 401, "\(name)")
                    #expect(Self.message(refused) == reason, "\(name)")
                }
                let expired = try await HTTP.send(.GET, query, token: minted.tokens["expired"])
                #expect(expired.status == 401)
                #expect(Self.message(expired)?.hasPrefix("Invalid plugin token: expired at ") == true)
                // Its audience is search: sent to the scaffolder, the audience check refuses it.
                let elsewhere = try await HTTP.send(
                    .GET, base + "/scaffolder/v2/actions", token: minted.tokens["valid"])
                #expect(elsewhere.status == 401)
                #expect(
                    Self.message(elsewhere)
                        == #"Invalid plugin token: unexpected audience "search", this is plugin 'scaffolder'"#)
                // The caller shows as plugin:pyplugin in the request log.
                #expect(backend.stderr.contains("subject=plugin:pyplugin"))
                // The key set route needs no token, and is not an auth failure.
                #expect(try await HTTP.send(.GET, base + "/scaffolder" + Self.keyPath).status == 200)
            }
        }
    }

    /// Whether `log` has a request line answered 401 (`GET /api/… 401 3ms`).
    static func has401(_ log: String) -> Bool {
        log.range(of: #" 401 \d+ms"#, options: .regularExpression) != nil
    }

    @Test("a counting issuer: 1,000 requests with one token fetch its key set at most once; 100 unknown kids too")
    func countingIssuer() async throws {
        try await TemporaryDirectory.with { dir in
            let minted = try await Self.mint(dir, issuer: "pyplugin", audience: "search")
            let (peer, peerPort) = try await Self.peer(dir.url.appendingPathComponent("peer-jwks.json").path)
            defer { peer.stop() }
            let config = try dir.write(
                "app-config.yaml",
                """
                backend:
                  listen: {host: 127.0.0.1, port: 0}
                  auth:
                    pluginKeyStore: {}
                    pluginAccess:
                      - {plugin: scaffolder, callers: [catalog]}
                discovery:
                  endpoints:
                    - target: http://127.0.0.1:\(peerPort)/api/{{pluginId}}
                      plugins: [pyplugin]
                search:
                  collators:
                    catalog: {initialDelay: 1h}
                """)
            let unknown = try await Python.run(
                "import runpy, sys; sys.argv = ['o'] + sys.argv[1:]; runpy.run_path('\(Self.oracle)', run_name='__main__')",
                ["unknown", dir.url.appendingPathComponent("private.pem").path, "pyplugin", "search", "100"])
            let unknownTokens = try #require(try JSONSerialization.jsonObject(with: Data(unknown.utf8)) as? [String])
            try await BackendProcess.withServer(
                arguments: ["run", "--config", config, "--plugins", "search,scaffolder"],
                environment: ["BACKEND_ENV": "production"]
            ) { backend, port in
                let query = "http://127.0.0.1:\(port)/api/search/query?term=x"
                for _ in 0..<1000 {
                    let response = try await HTTP.send(.GET, query, token: minted.tokens["valid"])
                    #expect(response.status == 200)
                    if response.status != 200 { break }
                }
                #expect(try await Self.peerState(peerPort).fetches == 1)
                let started = ContinuousClock.now
                for token in unknownTokens {
                    let refused = try await HTTP.send(.GET, query, token: token)
                    #expect(refused.status == 401)
                    #expect(Self.message(refused)?.hasPrefix("Invalid plugin token: unknown key \"unknown-") == true)
                }
                #expect(ContinuousClock.now - started < .seconds(10))
                #expect(try await Self.peerState(peerPort).fetches <= 2)
                // pluginAccess: the scaffolder accepts only the catalog.
                let scaffolder = "http://127.0.0.1:\(port)/api/scaffolder/v2/actions"
                let denied = try await HTTP.send(.GET, scaffolder, token: minted.tokens["valid"])
                // The token's audience is search, so the scaffolder refuses it first for that.
                #expect(denied.status == 401)
                _ = backend
            }
        }
    }

    @Test("pluginAccess: a plugin that lists its callers refuses the others with 403 NotAllowedError")
    func pluginAccessRefuses() async throws {
        try await TemporaryDirectory.with { dir in
            let minted = try await Self.mint(dir, issuer: "pyplugin", audience: "search")
            let (peer, peerPort) = try await Self.peer(dir.url.appendingPathComponent("peer-jwks.json").path)
            defer { peer.stop() }
            let config = try dir.write(
                "app-config.yaml",
                """
                backend:
                  listen: {host: 127.0.0.1, port: 0}
                  auth:
                    pluginKeyStore: {}
                    pluginAccess:
                      - {plugin: search, callers: [catalog, scaffolder]}
                discovery:
                  endpoints:
                    - target: http://127.0.0.1:\(peerPort)/api/{{pluginId}}
                      plugins: [pyplugin]
                search:
                  collators:
                    catalog: {initialDelay: 1h}
                """)
            try await BackendProcess.withServer(
                arguments: ["run", "--config", config, "--plugins", "search"],
                environment: ["BACKEND_ENV": "production"]
            ) { backend, port in
                let denied = try await HTTP.send(
                    .GET, "http://127.0.0.1:\(port)/api/search/query?term=x", token: minted.tokens["valid"])
                #expect(denied.status == 403)
                #expect((denied.json["error"] as? [String: Any])?["name"] as? String == "NotAllowedError")
                #expect(Self.message(denied) == "Plugin 'search' does not accept calls from plugin 'pyplugin'")
                #expect(backend.stderr.contains("subject=plugin:pyplugin"))
            }
        }
    }

    @Test(
        "a key set that is 404 gets the legacy token (or, without keys, an error naming it); one without keys, a warning"
    )
    func legacyFallback() async throws {
        try await TemporaryDirectory.with { dir in
            _ = try dir.write("none.json", "{}")
            let (peer, peerPort) = try await Self.peer(dir.url.appendingPathComponent("none.json").path, status: 404)
            defer { peer.stop() }
            let secret = "cGx1Z2luLXRva2VuLWxlZ2FjeS10ZXN0LWtleS0wMTIzNDU2Nzg5"
            func config(_ auth: String, peer port: Int? = nil) throws -> String {
                try dir.write(
                    "app-config.yaml",
                    """
                    backend:
                      listen: {host: 127.0.0.1, port: 0}
                      auth:
                        \(auth)
                    discovery:
                      endpoints:
                        - target: http://127.0.0.1:\(port ?? peerPort)/api/{{pluginId}}
                          plugins: [catalog]
                    search:
                      collators:
                        catalog: {initialDelay: 0s, frequency: 1h}
                    """)
            }
            try await BackendProcess.withServer(
                arguments: ["run", "--config", try config("keys: [{secret: \(secret)}]"), "--plugins", "search"],
                environment: ["BACKEND_ENV": "production"]
            ) { _, _ in
                #expect(try await eventually { try await Self.peerState(peerPort).authorizations.count > 0 })
                let captured = try #require(try await Self.peerState(peerPort).authorizations.first)
                let token = String(captured.dropFirst("Bearer ".count))
                // PyJWT verifies it as today's legacy token, signed with the configured key.
                let verified = try await Python.run(
                    "import base64, jwt, sys; print(jwt.decode(sys.argv[1], base64.b64decode(sys.argv[2]), "
                        + "algorithms=['HS256'])['sub'])", [token, secret])
                #expect(verified == "backstage-server")
            }
            try await BackendProcess.withServer(
                arguments: ["run", "--config", try config("pluginKeyStore: {}"), "--plugins", "search"],
                environment: ["BACKEND_ENV": "production"]
            ) { backend, _ in
                let expected =
                    "plugin 'catalog' does not accept plugin tokens (its key set http://127.0.0.1:\(peerPort)/api/catalog"
                    + "/.backstage/auth/v1/jwks.json answered 404) and this deployment has no backend.auth.keys to sign "
                    + "a legacy server token for it"
                let logged = await eventually { backend.stderr.contains(expected) }
                #expect(logged, "\(backend.stderr)")
            }
            // A key set that answers 200 without `keys` proves nothing: the call carries a plugin token, the caller
            // warns, and the next call probes again.
            let (emptyPeer, emptyPort) = try await Self.peer(
                dir.url.appendingPathComponent("none.json").path, status: 200)
            defer { emptyPeer.stop() }
            try await BackendProcess.withServer(
                arguments: [
                    "run", "--config", try config("keys: [{secret: \(secret)}]", peer: emptyPort), "--plugins",
                    "search",
                ],
                environment: ["BACKEND_ENV": "production"]
            ) { backend, _ in
                #expect(try await eventually { try await Self.peerState(emptyPort).authorizations.count > 0 })
                let captured = try #require(try await Self.peerState(emptyPort).authorizations.first)
                let header = try await Python.run(
                    "import jwt, sys; print(jwt.get_unverified_header(sys.argv[1])['alg'])",
                    [String(captured.dropFirst("Bearer ".count))])
                #expect(header == "ES256")
                let warning =
                    "The key set of plugin 'catalog' at http://127.0.0.1:\(emptyPort)/api/catalog/.backstage/auth/v1/"
                    + "jwks.json has no keys; probed again next call"
                let logged = await eventually { backend.stderr.contains(warning) }
                #expect(logged, "\(backend.stderr)")
            }
        }
    }

    @Test("static keys: the configured pair signs, the JWKS lists every configured key")
    func staticKeys() async throws {
        try await TemporaryDirectory.with { dir in
            let minted = try await Self.mint(dir, issuer: "search", audience: "catalog")
            let (peer, peerPort) = try await Self.peer(dir.url.appendingPathComponent("peer-jwks.json").path)
            defer { peer.stop() }
            let config = try dir.write(
                "app-config.yaml",
                """
                backend:
                  listen: {host: 127.0.0.1, port: 0}
                  auth:
                    pluginKeyStore:
                      type: static
                      static:
                        keys:
                          - {publicKeyFile: public.pem, privateKeyFile: private.pem, keyId: py-1}
                          - {publicKeyFile: other-public.pem, keyId: old}
                discovery:
                  endpoints:
                    - target: http://127.0.0.1:\(peerPort)/api/{{pluginId}}
                      plugins: [catalog]
                search:
                  collators:
                    catalog: {initialDelay: 0s, frequency: 1h}
                """)
            try await BackendProcess.withServer(
                arguments: ["run", "--config", config, "--plugins", "search"],
                environment: ["BACKEND_ENV": "production"]
            ) { _, port in
                let keys = try await HTTP.send(.GET, "http://127.0.0.1:\(port)/api/search\(Self.keyPath)")
                let kids = ((keys.json["keys"] as? [[String: Any]]) ?? []).compactMap { $0["kid"] as? String }
                #expect(kids == ["py-1", "old"])
                #expect(try await eventually { try await Self.peerState(peerPort).authorizations.count > 0 })
                let captured = try #require(try await Self.peerState(peerPort).authorizations.first)
                let verified = try await Self.pyVerify(
                    String(captured.dropFirst("Bearer ".count)), jwks: minted.jwks, audience: "catalog")
                #expect((verified["header"] as? [String: Any])?["kid"] as? String == "py-1")
                _ = minted
            }
            // A bad file stops startup with the key and file named, and config check reports it.
            let bad = try dir.write(
                "bad.yaml",
                """
                backend:
                  auth:
                    pluginKeyStore:
                      type: static
                      static:
                        keys:
                          - {publicKeyFile: missing.pem, privateKeyFile: private.pem, keyId: k1}
                """)
            let expected =
                "Could not load the public key 'k1' (backend.auth.pluginKeyStore.static.keys[0].publicKeyFile) from "
                + "\(dir.url.appendingPathComponent("missing.pem").path): No such file or directory"
            let run = try await BackendProcess.run(
                ["run", "--config", bad], environment: ["BACKEND_ENV": "production"])
            #expect(run.exitCode == 1)
            #expect(run.stderr.contains(expected), "\(run.stderr)")
            let check = try await BackendProcess.run(["config", "check", "--config", bad])
            #expect(check.exitCode != 0)
            #expect((check.stdout + check.stderr).contains(expected), "\(check.stdout)\(check.stderr)")
        }
    }

    @Test("pluginAccess config errors: a repeated plugin and an unknown key stop startup and fail config check")
    func pluginAccessConfigErrors() async throws {
        try await TemporaryDirectory.with { dir in
            let config = try dir.write(
                "app-config.yaml",
                """
                backend:
                  auth:
                    pluginKeyStore: {}
                    pluginAccess:
                      - {plugin: catalog, callers: [search]}
                      - {plugin: catalog, callers: [scaffolder], caller: [x]}
                """)
            let repeated =
                "Plugin 'catalog' is listed more than once in backend.auth.pluginAccess (at backend.auth.pluginAccess[0] "
                + "and backend.auth.pluginAccess[1]); list all its callers in one entry"
            // The config schema names the unknown key (with its line and a suggestion) before anything else.
            let unknown =
                "Unknown key 'backend.auth.pluginAccess[1].caller' in \(config):6; did you mean "
                + "'backend.auth.pluginAccess[1].callers'?"
            let run = try await BackendProcess.run(["run", "--config", config])
            #expect(run.exitCode == 1)
            #expect(run.stderr.contains(unknown), "\(run.stderr)")
            let check = try await BackendProcess.run(["config", "check", "--config", config])
            #expect(check.exitCode != 0)
            let output = check.stdout + check.stderr
            #expect(output.contains(repeated) && output.contains(unknown), "\(output)")
            // Without the unknown key, the repeated plugin alone stops startup.
            let twice = try dir.write(
                "twice.yaml",
                """
                backend:
                  auth:
                    pluginKeyStore: {}
                    pluginAccess:
                      - {plugin: catalog, callers: [search]}
                      - {plugin: catalog, callers: [scaffolder]}
                """)
            let second = try await BackendProcess.run(["run", "--config", twice])
            #expect(second.exitCode == 1)
            #expect(second.stderr.contains("Backend failed to start up: \(repeated)"), "\(second.stderr)")
        }
    }

    @Test("a short key duration under load: tokens keep verifying across several rotations")
    func rotationUnderLoad() async throws {
        try await TemporaryDirectory.with { dir in
            let examples = Repository.root.appendingPathComponent("Examples/catalog").path
            let config = try dir.write(
                "app-config.yaml",
                """
                backend:
                  listen: {host: 127.0.0.1, port: 0}
                  auth:
                    pluginKeyStore: {keyDuration: 2s}
                    externalAccess:
                      - {type: static, options: {token: rotation-test-token, subject: tester}}
                catalog:
                  rules: [{allow: [Component, API, Location, System, Group, User, Template]}]
                  locations:
                    - {type: file, target: \(examples)/entities.yaml}
                    - {type: file, target: \(examples)/templates.yaml}
                search:
                  collators:
                    catalog: {initialDelay: 0s, frequency: 1s}
                """)
            try await BackendProcess.withServer(
                arguments: ["run", "--config", config], environment: ["BACKEND_ENV": "production"]
            ) { backend, port in
                let base = "http://127.0.0.1:\(port)/api"
                let token = "rotation-test-token"
                var ids: [String] = []
                let started = ContinuousClock.now
                var index = 0
                while ContinuousClock.now - started < .seconds(9) {
                    let created = try await HTTP.send(
                        .POST, "\(base)/scaffolder/v2/tasks", token: token,
                        json:
                            #"{"templateRef":"template:default/create-component","values":{"name":"rot-\#(index)","owner":"team-a"}}"#
                    )
                    #expect(created.status == 201, "\(created.body)")
                    if let id = created.json["id"] as? String { ids.append(id) }
                    index += 1
                    try await Task.sleep(for: .milliseconds(150))
                }
                var statuses: [String] = []
                for id in ids {
                    var status = ""
                    for _ in 0..<200 {
                        status =
                            try await HTTP.send(.GET, "\(base)/scaffolder/v2/tasks/\(id)", token: token)
                            .json["status"] as? String ?? ""
                        if status == "completed" || status == "failed" { break }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                    statuses.append(status)
                }
                #expect(ids.count > 20)
                #expect(statuses.allSatisfy { $0 == "completed" }, "\(statuses)")
                // Several keys took turns, and no plugin-to-plugin call was refused.
                let keys = try await HTTP.send(.GET, "\(base)/scaffolder\(Self.keyPath)")
                #expect(((keys.json["keys"] as? [[String: Any]]) ?? []).count >= 4)
                #expect(!Self.has401(backend.stderr), "\(backend.stderr)")
                #expect(backend.stderr.contains("subject=plugin:scaffolder"))
                #expect(backend.stderr.contains("subject=plugin:search"))
            }
        }
    }

    @Test("two replicas on PostgreSQL verify each other's plugin tokens from the shared key table")
    func replicasOnPostgres() async throws {
        try await TestDatabases.withPrefix(.postgres, dropping: ["catalog", "scaffolder"]) { prefix in
            try await TemporaryDirectory.with { dir in
                let examples = Repository.root.appendingPathComponent("Examples/catalog").path
                func config(_ name: String, discovery: String) throws -> String {
                    try dir.write(
                        name,
                        """
                        backend:
                          listen: {host: 127.0.0.1, port: 0}
                          database:
                            client: pg
                            prefix: \(prefix)
                            connection: '\(try TestDatabases.postgresURL())'
                          auth:
                            pluginKeyStore: {}
                            externalAccess:
                              - {type: static, options: {token: replica-test-token, subject: tester}}
                        \(discovery)
                        catalog:
                          rules: [{allow: [Component, API, Location, System, Group, User, Template]}]
                          locations:
                            - {type: file, target: \(examples)/entities.yaml}
                            - {type: file, target: \(examples)/templates.yaml}
                        """)
                }
                let replicaB = try BackendProcess(
                    ["run", "--config", try config("b.yaml", discovery: ""), "--plugins", "catalog,scaffolder"],
                    environment: ["BACKEND_ENV": "production"])
                defer { replicaB.stop() }
                let portB = try await replicaB.waitForListeningPort(timeout: .seconds(60))
                let discovery =
                    "discovery:\n  endpoints:\n    - {target: 'http://127.0.0.1:\(portB)/api/{{pluginId}}', "
                    + "plugins: [catalog]}"
                let replicaA = try BackendProcess(
                    ["run", "--config", try config("a.yaml", discovery: discovery), "--plugins", "catalog,scaffolder"],
                    environment: ["BACKEND_ENV": "production"])
                defer { replicaA.stop() }
                let portA = try await replicaA.waitForListeningPort(timeout: .seconds(60))
                let token = "replica-test-token"
                // A's scaffolder calls the catalog on B with a token signed by A's key; B finds the key in the
                // scaffolder's key table, which A committed before signing.
                let created = try await HTTP.send(
                    .POST, "http://127.0.0.1:\(portA)/api/scaffolder/v2/tasks", token: token,
                    json:
                        #"{"templateRef":"template:default/create-component","values":{"name":"across","owner":"team-a"}}"#
                )
                #expect(created.status == 201, "\(created.body)")
                let id = try #require(created.json["id"] as? String)
                var status = ""
                for _ in 0..<400 {
                    status =
                        try await HTTP.send(
                            .GET, "http://127.0.0.1:\(portA)/api/scaffolder/v2/tasks/\(id)", token: token
                        )
                        .json["status"] as? String ?? ""
                    if status == "completed" || status == "failed" { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(status == "completed")
                #expect(replicaB.stderr.contains("subject=plugin:scaffolder"), "\(replicaB.stderr)")
                #expect(!Self.has401(replicaB.stderr))
                // Both replicas serve the same key set: every replica's keys.
                let keysA = try await HTTP.send(.GET, "http://127.0.0.1:\(portA)/api/scaffolder\(Self.keyPath)")
                let keysB = try await HTTP.send(.GET, "http://127.0.0.1:\(portB)/api/scaffolder\(Self.keyPath)")
                func kids(_ response: HTTP.Response) -> Set<String> {
                    Set(((response.json["keys"] as? [[String: Any]]) ?? []).compactMap { $0["kid"] as? String })
                }
                #expect(!kids(keysA).isEmpty && kids(keysA) == kids(keysB))
            }
        }
    }

    @Test("three deployments on plugin keys alone, no shared secret: the scaffolder and search call the catalog")
    func threeDeploymentsWithoutASharedSecret() async throws {
        let example = Repository.path("Examples/three-deployments/plugin-keys")
        let names = ["catalog", "scaffolder", "search"]
        var ports: [String: Int] = [:]
        for name in names { ports[name] = try Loopback.freePort() }
        func endpoint(_ plugin: String) -> String {
            #"{"target":"http://127.0.0.1:\#(ports[plugin] ?? 0)/api/{{pluginId}}","plugins":["\#(plugin)"]}"#
        }
        let endpoints = [
            "catalog": "[\(endpoint("scaffolder")),\(endpoint("search"))]",
            "scaffolder": "[\(endpoint("catalog"))]", "search": "[\(endpoint("catalog"))]",
        ]
        var processes: [String: BackendProcess] = [:]
        defer { processes.values.forEach { $0.stop() } }
        for name in names {
            processes[name] = try BackendProcess(
                ["run", "--config", "\(name).yaml", "--plugins", name],
                environment: [
                    "BACKEND_ENV": "production", "APP_CONFIG_backend_listen_port": "\(ports[name] ?? 0)",
                    "APP_CONFIG_discovery_endpoints": endpoints[name] ?? "[]",
                ],
                currentDirectory: example)
        }
        for name in names { _ = try await processes[name]?.waitForListeningPort() }
        let catalog = try #require(processes["catalog"])
        #expect(catalog.stderr.contains("Service-to-service auth: plugin keys only (no backend.auth.keys)"))
        // A scaffolder task reads the template from, and registers the component in, the catalog deployment.
        let scaffolderURL = "http://127.0.0.1:\(ports["scaffolder"] ?? 0)/api/scaffolder"
        let token = "ci-token-for-the-scaffolder"
        let created = try await HTTP.send(
            .POST, "\(scaffolderURL)/v2/tasks", token: token,
            json: #"{"templateRef":"template:default/create-component","values":{"name":"no-secret","owner":"team-a"}}"#
        )
        #expect(created.status == 201, "\(created.body)")
        let id = try #require(created.json["id"] as? String)
        var status = ""
        for _ in 0..<400 {
            status =
                try await HTTP.send(.GET, "\(scaffolderURL)/v2/tasks/\(id)", token: token).json["status"] as? String
                ?? ""
            if status == "completed" || status == "failed" { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(status == "completed")
        #expect(catalog.stderr.contains("subject=plugin:scaffolder"), "\(catalog.stderr)")
        // The search collator reads the catalog with its own plugin token.
        let searched = await eventually { catalog.stderr.contains("subject=plugin:search") }
        #expect(searched, "\(catalog.stderr)")
        #expect(!Self.has401(catalog.stderr), "\(catalog.stderr)")
        // The external caller keeps its static token.
        let entity = try await HTTP.send(
            .GET, "http://127.0.0.1:\(ports["catalog"] ?? 0)/api/catalog/entities/by-name/component/default/no-secret",
            token: "ci-token-for-the-catalog")
        #expect(entity.status == 200, "\(entity.body)")
    }
}
