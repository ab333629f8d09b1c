import BackendTestSupport
import Foundation
import NIOHTTP1
import Testing

/// No secrets in output, since logs and answers are read by people who must not learn keys: a full run of
/// all three plugins at trace level, with failures (bad
/// tokens, unknown routes, a failed scaffolder task), whose logs and responses are scanned for every
/// configured secret and every token issued.
@Suite("No secrets in output", .serialized)
struct NoSecretsInOutputTests {
    /// 32 random bytes.
    static func randomKey() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// The ways a key could show up in text: base64, base64url, hex.
    static func renderings(of key: [UInt8]) -> [String] {
        let base64 = Data(key).base64EncodedString()
        let base64URL = base64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        let hex = key.map { String(format: "%02x", $0) }.joined()
        return [base64, String(base64.dropLast(2)), base64URL, hex, hex.uppercased()]
    }

    @Test(
        "trace-level logs and responses of an end-to-end run contain no secret and no token, in both log formats",
        arguments: ["text", "json"])
    func traceRunLeaksNothing(_ logFormat: String) async throws {
        try await TemporaryDirectory.with { dir in
            let signingKey = Self.randomKey()
            let verifyingKey = Self.randomKey()
            let signingSecret = Data(signingKey).base64EncodedString()
            let verifyingSecret = Data(verifyingKey).base64EncodedString()
            let outsiderSecret = Data(Self.randomKey()).base64EncodedString()
            let legacyKey = Self.randomKey()
            let legacySecret = Data(legacyKey).base64EncodedString()
            let staticToken = "static-" + Data(Self.randomKey()).base64EncodedString().filter(\.isLetter)
            let wrongStatic = "static-" + Data(Self.randomKey()).base64EncodedString().filter(\.isLetter)
            let passwords = ["hostile-db-password-4f9a1c", "hostile-api-token-77e0b3", "hostile-client-secret-2d8c"]
            let examples = Repository.root.appendingPathComponent("Examples/catalog").path
            let config = try dir.write(
                "app-config.yaml",
                """
                backend:
                  baseUrl: http://localhost:7007
                  listen: { host: 127.0.0.1, port: 0 }
                  auth:
                    keys:
                      - secret: \(signingSecret)
                      - secret: \(verifyingSecret)
                    externalAccess:
                      - type: static
                        options: { token: \(staticToken), subject: leak-bot }
                        accessRestrictions: [{ plugin: catalog }]
                      - type: legacy
                        options: { secret: \(legacySecret), subject: legacy-caller }
                app:
                  database:
                    password: \(passwords[0])
                  apiToken: \(passwords[1])
                  oauth:
                    clientSecret: \(passwords[2])
                catalog:
                  rules: [{allow: [Component, API, Location, System, Group, User, Template]}]
                  locations:
                    - type: file
                      target: \(examples)/entities.yaml
                    - type: file
                      target: \(examples)/templates.yaml
                scaffolder:
                  taskTimeout: { seconds: 30 }
                search:
                  collators:
                    catalog:
                      initialDelay: 100ms
                      frequency: 1s
                """
            )
            // Tokens issued: by the CLI with each configured key, and one with a key the host does not know.
            var issued: [String] = []
            for arguments in [
                ["token", "create", "--config", config], ["token", "create", "--secret", verifyingSecret],
                ["token", "create", "--secret", outsiderSecret], ["token", "create", "--secret", legacySecret],
            ] {
                let created = try await BackendProcess.run(arguments, environment: ["LOG_LEVEL": "trace"])
                #expect(created.exitCode == 0, "\(created.stderr)")
                issued.append(created.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
                for secret in [signingSecret, verifyingSecret, outsiderSecret, legacySecret, staticToken] {
                    #expect(!created.stderr.contains(secret))
                }
            }
            let (token, secondToken, outsiderToken, legacyToken) = (issued[0], issued[1], issued[2], issued[3])
            let segments = token.split(separator: ".").map(String.init)
            let tampered = segments[0] + "." + segments[1] + "." + String(segments[2].reversed())
            let expiredish = segments[0] + ".eyJzdWIiOiJiYWNrc3RhZ2Utc2VydmVyIiwiZXhwIjoxfQ." + segments[2]

            let backend = try BackendProcess(
                ["run", "--config", config, "--log-level", "trace"],
                environment: ["LOG_LEVEL": "trace", "LOG_FORMAT": logFormat],
                currentDirectory: dir.url)
            defer { backend.stop() }
            let port = try await backend.waitForListeningPort()
            let base = "http://127.0.0.1:\(port)"
            var responses: [HTTP.Response] = []
            func send(
                _ method: HTTPMethod = .GET, _ path: String, token: String? = nil, json: String? = nil,
                expect status: Int
            ) async throws -> HTTP.Response {
                let response = try await HTTP.send(method, base + path, token: token, json: json)
                #expect(response.status == status, "\(method) \(path): \(response.body)")
                responses.append(response)
                return response
            }

            _ = try await send(.GET, "/healthcheck", expect: 200)
            _ = try await send(.GET, "/api/catalog/entities", token: token, expect: 200)
            _ = try await send(.GET, "/api/catalog/entities", token: secondToken, expect: 200)
            // externalAccess callers: a static token (restricted to the catalog), a legacy secret's token.
            _ = try await send(.GET, "/api/catalog/entities", token: staticToken, expect: 200)
            _ = try await send(.GET, "/api/search/query?term=x", token: staticToken, expect: 403)
            _ = try await send(.GET, "/api/catalog/entities", token: wrongStatic, expect: 401)
            _ = try await send(.GET, "/api/search/query?term=x", token: legacyToken, expect: 200)
            // Failures: no token, bad tokens, unknown routes.
            _ = try await send(.GET, "/api/catalog/entities", expect: 401)
            _ = try await send(.GET, "/api/catalog/entities", token: outsiderToken, expect: 401)
            _ = try await send(.GET, "/api/catalog/entities", token: tampered, expect: 401)
            _ = try await send(.GET, "/api/catalog/entities", token: expiredish, expect: 401)
            _ = try await send(.GET, "/api/search/query?term=x", token: signingSecret, expect: 401)
            _ = try await send(.GET, "/api/catalog/no-such-route", token: token, expect: 404)
            _ = try await send(.GET, "/api/no-such-plugin/x", token: token, expect: 404)
            _ = try await send(.GET, "/api/catalog/entities/by-name/component/default/nope", token: token, expect: 404)
            _ = try await send(
                .POST, "/api/scaffolder/v2/tasks", token: token,
                json: #"{"templateRef":"template:default/does-not-exist","values":{}}"#, expect: 404)
            // A task that succeeds, then the same one again, which fails (the entity exists).
            let body =
                #"{"templateRef":"template:default/create-component","values":{"name":"leak-check","owner":"team-a"}}"#
            var taskIds: [String] = []
            for _ in 0..<2 {
                let submitted = try await send(.POST, "/api/scaffolder/v2/tasks", token: token, json: body, expect: 201)
                taskIds.append(try #require(submitted.json["id"] as? String))
                var status = ""
                for _ in 0..<200 where !["completed", "failed"].contains(status) {
                    try await Task.sleep(for: .milliseconds(50))
                    let task = try await HTTP.send(
                        .GET, base + "/api/scaffolder/v2/tasks/\(taskIds.last!)", token: token)
                    responses.append(task)
                    status = task.json["status"] as? String ?? ""
                }
                #expect(status == (taskIds.count == 1 ? "completed" : "failed"))
            }
            _ = try await send(.GET, "/api/scaffolder/v2/tasks/\(taskIds[1])/events", token: token, expect: 200)
            _ = try await send(.POST, "/api/search/collators/catalog/refresh", token: token, expect: 200)
            _ = try await send(.GET, "/api/search/query?term=leak-check", token: token, expect: 200)
            _ = try await send(.GET, "/api/search/collators", token: token, expect: 200)
            // Let the collator run a few times on its own (it signs its own tokens for the catalog).
            try await Task.sleep(for: .milliseconds(2500))

            backend.send(SIGTERM)
            let exitCode = try await backend.wait(timeout: .seconds(10))
            #expect(exitCode == 0)

            let logs = backend.stdout + backend.stderr
            #expect(logs.contains("trace") || logs.contains("TRACE") || logs.count > 2000, "trace logging seems off")
            if logFormat == "json" {
                #expect(logs.contains(#""subject":"leak-bot""#) && logs.contains(#""subject":"legacy-caller""#))
                #expect(backend.stdout.split(separator: "\n").count > 50, "the JSON lines go to standard output")
            } else {
                #expect(logs.contains("subject=leak-bot") && logs.contains("subject=legacy-caller"))
            }
            let texts = [("logs", logs)] + responses.enumerated().map { ("response \($0.offset)", $0.element.body) }
            var forbidden = [signingSecret, verifyingSecret, outsiderSecret, legacySecret] + passwords + issued
            forbidden += [staticToken, wrongStatic]
            forbidden += Self.renderings(of: signingKey) + Self.renderings(of: verifyingKey)
            forbidden += Self.renderings(of: legacyKey)
            forbidden += issued.map { String($0.split(separator: ".").last ?? "") }  // signatures
            forbidden += [tampered, expiredish]
            for (name, text) in texts {
                for value in forbidden where !value.isEmpty {
                    #expect(!text.contains(value), "\(name) contains a secret or token")
                }
                // Any compact JWS at all (e.g. the tokens the host signs for its own plugin-to-plugin calls).
                let jws = text.range(
                    of: #"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{20,}"#, options: .regularExpression)
                #expect(jws == nil, "\(name) contains a token: \(jws.map { String(text[$0].prefix(12)) } ?? "")…")
            }
        }
    }

    @Test("config print hides credentials however their keys are spelled, and URL passwords")
    func configPrintRedactsEveryCredential() async throws {
        try await TemporaryDirectory.with { dir in
            let secrets = [
                "hostile-key-secret-1", "hostile-api-key-2", "hostile-private-key-3", "hostile-client-secret-4",
                "hostile-url-password-5", "hostile-connection-password-6", "hostile-credential-7",
                "hostile-basic-auth-8", "hostile-access-key-9", "hostile-token-10", "hostile-passwd-11",
            ]
            let config = try dir.write(
                "app-config.yaml",
                """
                backend:
                  baseUrl: http://localhost:7007
                  listen: { host: 127.0.0.1, port: 0 }
                  auth:
                    keys:
                      - secret: \(secrets[0])
                  database:
                    client: pg
                    url: postgresql://backstage:\(secrets[4])@db.internal:5432/backstage
                    connection:
                      host: db.internal
                      user: backstage
                      password: \(secrets[5])
                integrations:
                  github:
                    - host: github.com
                      apiKey: \(secrets[1])
                      private_key: \(secrets[2])
                auth:
                  providers:
                    oidc:
                      client-secret: \(secrets[3])
                aws:
                  credentials:
                    accessKeyId: \(secrets[6])
                  SECRET_ACCESS_KEY: \(secrets[8])
                proxy:
                  basicAuth: \(secrets[7])
                  GITHUB_TOKEN: \(secrets[9])
                legacy:
                  db-passwd: \(secrets[10])
                """)
            for format in ["yaml", "json"] {
                let result = try await BackendProcess.run(["config", "print", "--config", config, "--format", format])
                #expect(result.exitCode == 0, "\(result.stderr)")
                for secret in secrets {
                    #expect(!result.stdout.contains(secret), "\(format): \(secret) printed")
                    #expect(!result.stderr.contains(secret), "\(format): \(secret) on stderr")
                }
                // The structure stays readable.
                #expect(result.stdout.contains("postgresql://backstage:<secret>@db.internal:5432/backstage"))
                #expect(result.stdout.contains("db.internal"))
                #expect(result.stdout.contains("github.com"))
                #expect(result.stdout.contains("keys"))
                #expect(result.stdout.contains("providers"))
            }
            let shown = try await BackendProcess.run(["config", "print", "--config", config, "--with-secrets"])
            #expect(shown.exitCode == 0)
            for secret in secrets { #expect(shown.stdout.contains(secret), "--with-secrets hides \(secret)") }
        }
    }
}
