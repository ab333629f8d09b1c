import Foundation
import Testing

/// One rule for config defaults: every command that reads one backend's config reads `app-config.yaml` plus
/// `app-config.local.yaml` from the working directory when no `--config` is given, and names them on stderr.
@Suite("Config defaults of every command")
struct CommandDefaultsTests {
    static let secret = "Y29tbWFuZC1kZWZhdWx0cy10ZXN0LXNlY3JldC0wMTIzNDU2Nzg="
    static let loaded = "Loaded config from app-config.yaml, app-config.local.yaml"

    func withDefaultFiles(_ body: (URL) async throws -> Void) async throws {
        try await TemporaryDirectory.with { dir in
            try dir.write("app-config.yaml", "backend:\n  listen: {host: 127.0.0.1, port: 0}\n")
            try dir.write("app-config.local.yaml", "backend:\n  auth:\n    keys:\n      - secret: \(Self.secret)\n")
            try await body(dir.url)
        }
    }

    @Test("config check, config print, token create and token verify read both default files")
    func oneShotCommands() async throws {
        try await withDefaultFiles { dir in
            for arguments in [["config", "check"], ["config", "print"], ["token", "create"]] {
                let result = try await BackendProcess.run(arguments, currentDirectory: dir)
                #expect(result.exitCode == 0, "\(arguments): \(result.stderr)")
                #expect(result.stderr.hasPrefix(Self.loaded + "\n"), "\(arguments): \(result.stderr)")
            }
            let token = try await BackendProcess.run(["token", "create"], currentDirectory: dir).stdout
            let verify = try await BackendProcess.run(["token", "verify"], stdin: token, currentDirectory: dir)
            #expect(verify.exitCode == 0, "\(verify.stderr)")
            #expect(verify.stderr == Self.loaded + "\nToken is valid.\n")
        }
    }

    @Test("run reads both default files and logs them")
    func run() async throws {
        try await withDefaultFiles { dir in
            try await BackendProcess.withServer(arguments: ["run", "--plugins", "search"], currentDirectory: dir) {
                backend, _ in
                #expect(backend.stderr.contains("[BackendRuntime] \(Self.loaded)\n"), "\(backend.stderr)")
                #expect(backend.stderr.contains("Service-to-service auth: server (1 key)"), "\(backend.stderr)")
            }
        }
    }

    @Test("without app-config.yaml every one of them says so and how to choose files")
    func missing() async throws {
        try await TemporaryDirectory.with { dir in
            for arguments in [
                ["config", "check"], ["config", "print"], ["token", "create"], ["token", "verify", "x"],
            ] {
                let result = try await BackendProcess.run(arguments, currentDirectory: dir.url)
                #expect(result.exitCode == 1, "\(arguments)")
                #expect(
                    result.stderr.hasPrefix("app-config.yaml: config file not found in ")
                        && result.stderr.contains("(use --config FILE to choose files)"),
                    "\(arguments): \(result.stderr)")
            }
        }
    }
}
