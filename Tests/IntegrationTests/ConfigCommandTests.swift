import Foundation
import Testing

@Suite("backend config check / print")
struct ConfigCommandTests {
    @Test("config print redacts secrets and reports the loaded files on stderr")
    func printRedacts() async throws {
        try await TemporaryDirectory.with { dir in
            let file = try dir.write(
                "app-config.yaml",
                """
                backend:
                  baseUrl: http://localhost:7007
                  auth:
                    keys:
                      - secret: c3VwZXItc2VjcmV0LXZhbHVlLXRoYXQtaXMtbG9uZy1lbm91Z2g=
                """
            )
            let result = try await BackendProcess.run(["config", "print", "--config", file])
            #expect(result.exitCode == 0)
            #expect(result.stderr.contains("Loaded config from \(file)"))
            #expect(result.stdout.contains("secret: <secret>"))
            #expect(!result.stdout.contains("c3VwZXItc2VjcmV0"))
            #expect(!result.stderr.contains("c3VwZXItc2VjcmV0"))

            let shown = try await BackendProcess.run(["config", "print", "--config", file, "--with-secrets"])
            #expect(shown.exitCode == 0)
            #expect(shown.stdout.contains("c3VwZXItc2VjcmV0LXZhbHVlLXRoYXQtaXMtbG9uZy1lbm91Z2g="))

            let json = try await BackendProcess.run(["config", "print", "--config", file, "--format", "json"])
            #expect(json.exitCode == 0)
            let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
            let backend = object?["backend"] as? [String: Any]
            let auth = backend?["auth"] as? [String: Any]
            let keys = auth?["keys"] as? [[String: Any]]
            #expect(keys?.first?["secret"] as? String == "<secret>")
        }
    }

    @Test("later --config files win and APP_CONFIG_ overrides apply")
    func layering() async throws {
        try await TemporaryDirectory.with { dir in
            let base = try dir.write("base.yaml", "backend:\n  baseUrl: http://a\n  listen:\n    port: 7007\n")
            let top = try dir.write("top.yaml", "backend:\n  baseUrl: http://b\n")
            let result = try await BackendProcess.run(
                ["config", "print", "--config", base, "--config", top, "--format", "json"],
                environment: ["APP_CONFIG_backend_listen_port": "7008"]
            )
            #expect(result.exitCode == 0)
            #expect(
                result.stdout.contains(#""baseUrl": "http://b""#) || result.stdout.contains(#""baseUrl":"http://b""#))
            #expect(result.stdout.contains("7008"))
            #expect(result.stderr.contains("Loaded config from \(base), \(top)"))
        }
    }

    @Test("malformed YAML names file:line:column and exits 1")
    func malformed() async throws {
        try await TemporaryDirectory.with { dir in
            let file = try dir.write("bad.yaml", "backend:\n  baseUrl: [unclosed\n")
            let result = try await BackendProcess.run(["config", "check", "--config", file])
            #expect(result.exitCode == 1)
            #expect(result.stderr.contains("\(file):"))
            #expect(result.stdout.isEmpty)
        }
    }

    @Test("config check lists every problem with the key and file")
    func checkListsProblems() async throws {
        try await TemporaryDirectory.with { dir in
            let file = try dir.write(
                "app-config.yaml",
                """
                backend:
                  baseUrl: 42
                  lifecycle: {serverShutdownDelay: soon}
                  auth:
                    keys:
                      - secret: ${BACKEND_TEST_SECRET_THAT_IS_NOT_SET}
                discovery:
                  endpoints:
                    - target: true
                      plugins: [catalog]
                scaffolder:
                  concurrentTasksLimit: -1
                search:
                  collators:
                    catalog:
                      frequency: banana
                """
            )
            let result = try await BackendProcess.run(["config", "check", "--config", file])
            #expect(result.exitCode == 1)
            #expect(
                result.stderr.contains(
                    "Invalid type in config for key 'backend.baseUrl' in '\(file)', got number, wanted string"
                )
            )
            #expect(
                result.stderr.contains(
                    "Missing required config value at 'backend.auth.keys[0].secret' "
                        + "(environment variable BACKEND_TEST_SECRET_THAT_IS_NOT_SET is not set)"
                )
            )
            #expect(
                result.stderr.contains(
                    "Invalid type in config for key 'discovery.endpoints[0].target' in '\(file)', got boolean, "
                        + "wanted string or object"
                )
            )
            #expect(result.stderr.contains("search.collators.catalog.frequency' in '\(file)'"))
            #expect(
                result.stderr.contains("Invalid duration in config for key 'backend.lifecycle.serverShutdownDelay'"))
            #expect(
                result.stderr.contains(
                    "Invalid value in config for key 'scaffolder.concurrentTasksLimit' in '\(file)', wanted a "
                        + "non-negative integer"))
            #expect(result.stderr.contains("Config has 6 problems:"), "\(result.stderr)")
        }
    }

    /// A file given as `--config t.yaml` is named `t.yaml` in messages, as the user wrote it, by `config check` and
    /// by `run`'s startup failure alike; a file it includes is named relative to it.
    @Test("config errors name files as the user gave them")
    func relativePathsStayRelative() async throws {
        try await TemporaryDirectory.with { dir in
            _ = try dir.write("t.yaml", "backend:\n  baseUrl: 5\n  listen: {$include: conf/listen.yaml}\n")
            _ = try dir.write("conf/listen.yaml", "port: [1]\n")
            let check = try await BackendProcess.run(
                ["config", "check", "--config", "t.yaml"], currentDirectory: dir.url)
            #expect(check.exitCode == 1)
            #expect(
                check.stderr.contains(
                    "Invalid type in config for key 'backend.baseUrl' in 't.yaml', got number, wanted string"),
                "\(check.stderr)")
            #expect(check.stderr.contains("backend.listen.port' in 'conf/listen.yaml'"), "\(check.stderr)")
            let run = try await BackendProcess.run(["run", "--config", "t.yaml"], currentDirectory: dir.url)
            #expect(run.exitCode == 1)
            #expect(
                run.stderr.contains(
                    "Backend failed to start up: Invalid type in config for key 'backend.listen.port' in "
                        + "'conf/listen.yaml', got array, wanted number"), "\(run.stderr)")
        }
    }

    @Test("config check passes on the repository's app-config.yaml")
    func checkRepositoryConfig() async throws {
        let result = try await BackendProcess.run(["config", "check"], currentDirectory: Repository.root)
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stderr.contains("Loaded config from"))
    }

    @Test("bad usage exits 2")
    func badUsage() async throws {
        let result = try await BackendProcess.run(["config", "print", "--format", "xml"])
        #expect(result.exitCode == 2)
        let unknown = try await BackendProcess.run(["no-such-command-or-flag", "--nope"])
        #expect(unknown.exitCode == 2)
    }
}
