import BackendTestSupport
import Foundation
import NIOHTTP1
import Testing

/// `backend.auth.externalAccess` with the shipped binary: config errors stop startup (exit 1) and are `config check`
/// problems; static and legacy callers reach a live process under their subjects, restricted ones get a 403.
@Suite("externalAccess with the backend binary")
struct ExternalAccessProcessTests {
    static let keySecret = "cHJvY2Vzcy10ZXN0LWtleS1zZWNyZXQtMDEyMzQ1Njc4OWFiY2RlZg=="
    static let legacySecret = "cHJvY2Vzcy10ZXN0LWxlZ2FjeS1zZWNyZXQtMDEyMzQ1Njc4OWFi"
    static let staticToken = "process-static-token-7c1e"

    static func config(_ externalAccess: String) -> String {
        """
        backend:
          baseUrl: http://localhost:7007
          listen: { host: 127.0.0.1, port: 0 }
          auth:
            keys:
              - secret: \(keySecret)
            externalAccess:
        \(externalAccess)
        """
    }

    static let invalid: [(String, String)] = [
        (
            "      - type: static\n        options: {token: short, subject: ci}",
            "Illegal token, must be at least 8 characters length (at 'backend.auth.externalAccess[0].options.token')"
        ),
        (
            "      - type: static\n        options: {token: 'with space', subject: ci}",
            "Illegal token, must be a set of non-space characters (at 'backend.auth.externalAccess[0].options.token')"
        ),
        (
            "      - type: legacy\n        options: {secret: \(legacySecret), subject: 'two words'}",
            "Illegal subject, must be a set of non-space characters (at 'backend.auth.externalAccess[0].options.subject')"
        ),
        (
            "      - type: legacy\n        options: {secret: 'bad secret', subject: ci}",
            "Illegal secret, must be a valid base64 string (at 'backend.auth.externalAccess[0].options.secret')"
        ),
        (
            "      - type: static\n        options: {token: twice-token-1, subject: a}\n"
                + "      - type: static\n        options: {token: twice-token-1, subject: b}",
            "Static externalAccess token was declared more than once (at 'backend.auth.externalAccess[1].options.token')"
        ),
        (
            "      - type: oauth\n        options: {subject: ci}",
            "Unknown type 'oauth' in backend.auth.externalAccess, expected one of 'static', 'legacy', 'jwks'"
        ),
        (
            "      - type: static\n        options: {token: long-enough-1, subject: a}\n"
                + "        accessRestrictions: [{plugin: catalog}, {plugin: catalog}]",
            "Plugin 'catalog' is listed more than once in 'accessRestrictions' "
                + "(at 'backend.auth.externalAccess[0].accessRestrictions[1].plugin')"
        ),
    ]

    @Test(
        "each invalid entry fails startup with its message (exit 1) and is a config check problem", arguments: invalid)
    func invalidEntry(_ entry: String, _ message: String) async throws {
        try await TemporaryDirectory.with { dir in
            let file = try dir.write("app-config.yaml", Self.config(entry))
            let run = try await BackendProcess.run(
                ["run", "--config", file], environment: ["BACKEND_ENV": "production"])
            #expect(run.exitCode == 1)
            #expect(run.stderr.contains("Backend failed to start up: \(message)\n"), "\(run.stderr)")
            let check = try await BackendProcess.run(["config", "check", "--config", file, "--env", "production"])
            #expect(check.exitCode == 1)
            #expect(check.stderr.contains("Config has 1 problem:\n  - \(message)"), "\(check.stderr)")
            for text in [run.stderr, check.stderr, run.stdout, check.stdout] {
                #expect(!text.contains(Self.legacySecret))
            }
        }
    }

    @Test("static and legacy callers of a live process: subjects, a 403 for a restricted token, the log and createdBy")
    func liveCallers() async throws {
        try await TemporaryDirectory.with { dir in
            let examples = Repository.root.appendingPathComponent("Examples/catalog").path
            let file = try dir.write(
                "app-config.yaml",
                Self.config(
                    """
                          - type: static
                            options: {token: \(Self.staticToken), subject: ci-bot}
                            accessRestrictions: [{plugin: scaffolder}, {plugin: search}]
                          - type: legacy
                            options: {secret: \(Self.legacySecret), subject: scaffolder-deployment}
                    """)
                        + """

                        catalog:
                          rules: [{allow: [Component, API, Location, System, Group, User, Template]}]
                          locations:
                            - {type: file, target: \(examples)/entities.yaml}
                            - {type: file, target: \(examples)/templates.yaml}
                        """
            )
            let legacy = try await BackendProcess.run(["token", "create", "--secret", Self.legacySecret])
            let legacyToken = legacy.stdout.trimmingCharacters(in: .newlines)
            try await BackendProcess.withServer(
                arguments: ["run", "--config", file], environment: ["BACKEND_ENV": "production"]
            ) { process, port in
                let base = "http://127.0.0.1:\(port)/api"
                let denied = try await HTTP.send(.GET, "\(base)/catalog/entities", token: Self.staticToken)
                #expect(denied.status == 403)
                #expect(
                    denied.body
                        == #"{"error":{"name":"NotAllowedError","message":"This token's access is restricted to plugin(s) 'scaffolder', 'search'"},"request":{"method":"GET","url":"/entities"},"response":{"statusCode":403}}"#
                )
                let entities = try await HTTP.send(.GET, "\(base)/catalog/entities", token: legacyToken)
                #expect(entities.status == 200)

                let created = try await HTTP.send(
                    .POST, "\(base)/scaffolder/v2/tasks", token: Self.staticToken,
                    json:
                        #"{"templateRef":"template:default/create-component","values":{"name":"ci-made","owner":"x"}}"#
                )
                #expect(created.status == 201, "\(created.body)")
                let id = try #require(created.json["id"] as? String)
                let task = try await HTTP.send(.GET, "\(base)/scaffolder/v2/tasks/\(id)", token: legacyToken)
                #expect(task.json["createdBy"] as? String == "ci-bot")

                let logged = try await eventuallyContains(process, "subject=scaffolder-deployment")
                #expect(logged)
                let log = process.stderr + process.stdout
                #expect(log.contains("subject=ci-bot"))
                #expect(!log.contains(Self.staticToken))
                #expect(!log.contains(Self.legacySecret))
                #expect(!log.contains(legacyToken))
            }
            let printed = try await BackendProcess.run(["config", "print", "--config", file])
            #expect(!printed.stdout.contains(Self.staticToken) && !printed.stdout.contains(Self.legacySecret))
        }
    }

    /// Waits up to five seconds for `text` in the process's output.
    func eventuallyContains(_ process: BackendProcess, _ text: String) async throws -> Bool {
        for _ in 0..<100 {
            if (process.stderr + process.stdout).contains(text) { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }
}
