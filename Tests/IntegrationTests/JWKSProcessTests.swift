import BackendTestSupport
import Foundation
import NIOHTTP1
import Testing

/// A `jwks` externalAccess entry against a live `backend` process, its key set served by Python's `http.server`, the
/// keys made with `cryptography` and the tokens minted with PyJWT (`Tests/Fixtures/jwks_fixture.py`).
@Suite("jwks externalAccess with the backend binary")
struct JWKSProcessTests {
    /// The fixture's key sets and tokens.
    struct Fixture {
        let jwksA: String
        let jwksB: String
        let tokens: [String: String]
    }

    static func fixture() async throws -> Fixture {
        let script = Repository.path("Tests/Fixtures/jwks_fixture.py").path
        let output = try await Python.run("import runpy, sys; sys.argv = ['f']; runpy.run_path('\(script)')")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        func text(_ name: String) throws -> String {
            String(decoding: try JSONSerialization.data(withJSONObject: try #require(object[name])), as: UTF8.self)
        }
        return Fixture(
            jwksA: try text("jwksA"), jwksB: try text("jwksB"),
            tokens: try #require(object["tokens"] as? [String: String]))
    }

    /// Python's `http.server` serving `directory` on a free loopback port.
    static func serve(_ directory: URL) async throws -> (BackendProcess, Int) {
        let server = try BackendProcess(
            ["python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", directory.path],
            executable: URL(fileURLWithPath: "/usr/bin/env"))
        for _ in 0..<200 {
            if let range = server.stdout.range(of: #"port (\d+)"#, options: .regularExpression),
                let port = Int(server.stdout[range].dropFirst(5))
            {
                return (server, port)
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        server.stop()
        throw BackendProcess.Failure(description: "http.server did not start: \(server.stderr)")
    }

    @Test("RS256 and ES256 callers, named claims, a 403, createdBy and the log; a rotated kid after 30 s")
    func liveKeySet() async throws {
        let fixture = try await Self.fixture()
        try await TemporaryDirectory.with { dir in
            try dir.write("keys/jwks.json", fixture.jwksA)
            let (keyServer, keyPort) = try await Self.serve(dir.url.appendingPathComponent("keys"))
            defer { keyServer.stop() }
            let examples = Repository.root.appendingPathComponent("Examples/catalog").path
            let config = try dir.write(
                "app-config.yaml",
                """
                backend:
                  baseUrl: http://localhost:7007
                  listen: { host: 127.0.0.1, port: 0 }
                  auth:
                    keys:
                      - secret: andrcy1wcm9jZXNzLXRlc3Qta2V5LTAxMjM0NTY3ODlhYmNkZWY=
                    externalAccess:
                      - type: jwks
                        options:
                          url: http://127.0.0.1:\(keyPort)/jwks.json
                          algorithm: [RS256, ES256]
                          issuer: https://issuer.example
                          audience: [backend]
                          subjectPrefix: idp
                        accessRestrictions: [{plugin: catalog}, {plugin: scaffolder}]
                catalog:
                  rules: [{allow: [Component, API, Location, System, Group, User, Template]}]
                  locations:
                    - {type: file, target: \(examples)/entities.yaml}
                    - {type: file, target: \(examples)/templates.yaml}
                """)
            try await BackendProcess.withServer(
                arguments: ["run", "--config", config], environment: ["BACKEND_ENV": "production"]
            ) { backend, port in
                let base = "http://127.0.0.1:\(port)/api"
                func status(_ name: String, _ path: String = "/catalog/entities") async throws -> HTTP.Response {
                    try await HTTP.send(.GET, base + path, token: fixture.tokens[name])
                }
                let firstFetch = ContinuousClock.now
                #expect(try await status("rs256").status == 200)
                #expect(try await status("es256").status == 200)
                for (name, reason) in [
                    ("wrongIssuer", #"unexpected "iss" claim value"#),
                    ("wrongAudience", #"unexpected "aud" claim value"#),
                    ("noSubject", #"missing required "sub" claim"#),
                    ("ps256", #""alg" (Algorithm) Header Parameter value not allowed"#),
                ] {
                    let refused = try await status(name)
                    #expect(refused.status == 401, "\(name)")
                    #expect(
                        (refused.json["error"] as? [String: Any])?["message"] as? String
                            == "Invalid token; caused by \(reason)", "\(name)")
                }
                let denied = try await status("rs256", "/search/query?term=x")
                #expect(denied.status == 403)
                #expect(
                    (denied.json["error"] as? [String: Any])?["message"] as? String
                        == "This token's access is restricted to plugin(s) 'catalog', 'scaffolder'")

                let created = try await HTTP.send(
                    .POST, "\(base)/scaffolder/v2/tasks", token: fixture.tokens["es256"],
                    json: #"{"templateRef":"template:default/create-component","values":{"name":"by-bob","owner":"x"}}"#
                )
                #expect(created.status == 201, "\(created.body)")
                let id = try #require(created.json["id"] as? String)
                let task = try await HTTP.send(
                    .GET, "\(base)/scaffolder/v2/tasks/\(id)", token: fixture.tokens["rs256"])
                #expect(task.json["createdBy"] as? String == "external:idp:bob")
                #expect(backend.stderr.contains("subject=external:idp:alice"))
                #expect(!backend.stderr.contains(fixture.tokens["rs256"] ?? "-"))

                // Rotation: the issuer replaces rsa-1 with rsa-2. Within 30 s of the last fetch the new kid is
                // unknown; after that, one refetch finds it and rsa-1 is gone.
                try dir.write("keys/jwks.json", fixture.jwksB)
                #expect(try await status("rotated").status == 401)
                try await Task.sleep(until: firstFetch + .seconds(31))
                let rotated = try await status("rotated")
                #expect(rotated.status == 200, "\(rotated.body)")
                #expect(try await status("es256").status == 200)
                #expect(try await status("rs256").status == 401)
                let fetches = keyServer.stderr.components(separatedBy: "GET /jwks.json").count - 1
                #expect(fetches == 2, "\(keyServer.stderr)")
            }
        }
    }
}
