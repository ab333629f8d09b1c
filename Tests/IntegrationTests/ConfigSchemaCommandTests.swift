import Foundation
import Testing

/// The config schema through the real binary: `config check` (with and without `--strict`), `run`'s startup
/// warnings and errors, `config schema`, and every config in the repository.
@Suite("Config schema: unknown keys, --strict, config schema")
struct ConfigSchemaCommandTests {
    static let authRefusal = " (unknown keys in backend.auth are refused: a typo there silently changes who may call)"

    /// `app-config.yaml` (the sample's shape) and `app-config.local.yaml` in a fresh directory, then `body`.
    func withConfigs<T>(
        local: String, main: String = "backend:\n  baseUrl: http://localhost:7007\n",
        _ body: (TemporaryDirectory) async throws -> T
    ) async throws -> T {
        try await TemporaryDirectory.with { dir in
            try dir.write("app-config.yaml", main)
            try dir.write("app-config.local.yaml", local)
            return try await body(dir)
        }
    }

    @Test("an unknown key is a warning with file:line and a suggestion; exit 0 without --strict, 1 with it")
    func unknownKeyAndStrict() async throws {
        try await withConfigs(local: "catalog:\n  readonly: false\n  locatoins: []\n") { dir in
            let message =
                "Unknown key 'catalog.locatoins' in app-config.local.yaml:3; did you mean 'catalog.locations'?"
            let check = try await BackendProcess.run(["config", "check"], currentDirectory: dir.url)
            #expect(check.exitCode == 0, "\(check.stderr)")
            #expect(
                check.stderr
                    == "Loaded config from app-config.yaml, app-config.local.yaml\nWarning: \(message)\n"
                    + "Config is valid for development.\n")

            let strict = try await BackendProcess.run(["config", "check", "--strict"], currentDirectory: dir.url)
            #expect(strict.exitCode == 1)
            #expect(
                strict.stderr
                    == "Loaded config from app-config.yaml, app-config.local.yaml\nConfig has 1 problem:\n  - \(message)\n"
            )
        }
    }

    @Test("a typo under backend.auth is an error with or without --strict, and run refuses to start")
    func authTypo() async throws {
        let local = "backend:\n  auth:\n    keyz:\n      - secret: ${BACKEND_SECRET}\n"
        try await withConfigs(local: local) { dir in
            let message =
                "Unknown key 'backend.auth.keyz' in app-config.local.yaml:3; did you mean 'backend.auth.keys'?"
            let check = try await BackendProcess.run(
                ["config", "check"], environment: ["BACKEND_SECRET": "c2VjcmV0"], currentDirectory: dir.url)
            #expect(check.exitCode == 1)
            #expect(check.stderr.contains("  - \(message)\(Self.authRefusal)\n"), "\(check.stderr)")
            #expect(check.stderr.contains("  - backend.auth in app-config.local.yaml:2 configures no keys"))

            let run = try await BackendProcess.run(
                ["run"], environment: ["BACKEND_SECRET": "c2VjcmV0"], currentDirectory: dir.url)
            #expect(run.exitCode == 1)
            #expect(
                run.stderr.hasSuffix("Backend failed to start up: \(message)\(Self.authRefusal)\n"), "\(run.stderr)")
            #expect(!run.stderr.contains("Listening on"))
            #expect(!run.stderr.contains("Mounted plugin"))
        }
    }

    @Test("keys dedented out of backend.auth are caught the same way")
    func dedentedKeys() async throws {
        try await withConfigs(local: "backend:\n  auth:\n  keys:\n    - secret: c2VjcmV0\n") { dir in
            let check = try await BackendProcess.run(["config", "check"], currentDirectory: dir.url)
            #expect(check.exitCode == 1)
            #expect(
                check.stderr.contains(
                    "  - Unknown key 'backend.keys' in app-config.local.yaml:3; did you mean 'backend.auth.keys'?"
                        + Self.authRefusal),
                "\(check.stderr)")
        }
    }

    @Test("backend.auth present but empty is an error; keys: [] is valid in development")
    func emptyAuth() async throws {
        try await withConfigs(local: "backend:\n  auth: {}\n") { dir in
            let check = try await BackendProcess.run(["config", "check"], currentDirectory: dir.url)
            #expect(check.exitCode == 1)
            #expect(
                check.stderr.contains(
                    "  - backend.auth in app-config.local.yaml:2 configures no keys and no externalAccess entries, so it "
                        + "would turn service-to-service auth off: list secrets under backend.auth.keys (an empty list "
                        + "generates a key in development) or callers under backend.auth.externalAccess, or remove "
                        + "backend.auth to run without auth (development only)\n"), "\(check.stderr)")
        }
        try await withConfigs(local: "backend:\n  auth:\n    keys: []\n") { dir in
            let check = try await BackendProcess.run(["config", "check", "--strict"], currentDirectory: dir.url)
            #expect(check.exitCode == 0, "\(check.stderr)")
        }
    }

    @Test("unknown keys that arrive through $include and APP_CONFIG_ name their source")
    func includeAndEnvironment() async throws {
        try await withConfigs(
            local: "backend:\n  listen:\n    $include: parts/listen.yaml\n",
            main: "backend:\n  baseUrl: http://localhost:7007\n  auth:\n    keys: []\n"
        ) { dir in
            try dir.write("parts/listen.yaml", "host: 127.0.0.1\nprot: 7007\n")
            let check = try await BackendProcess.run(
                ["config", "check"], environment: ["APP_CONFIG_backend_auth_keyz": "[]"], currentDirectory: dir.url)
            #expect(check.exitCode == 1)
            #expect(
                check.stderr.contains(
                    "Warning: Unknown key 'backend.listen.prot' in parts/listen.yaml:2; did you mean 'backend.listen.port'?"
                ), "\(check.stderr)")
            #expect(
                check.stderr.contains(
                    "  - Unknown key 'backend.auth.keyz' in APP_CONFIG_backend_auth_keyz; did you mean "
                        + "'backend.auth.keys'?\(Self.authRefusal)"), "\(check.stderr)")
        }
    }

    @Test("run logs each unknown key once as a warning and starts")
    func runWarnsOnce() async throws {
        let main = "backend:\n  baseUrl: http://localhost:7007\n  listen: {host: 127.0.0.1, port: 0}\n  lisen: 1\n"
        try await withConfigs(local: "search:\n  maxTermLenght: 10\n", main: main) { dir in
            try await BackendProcess.withServer(arguments: ["run", "--plugins", "search"], currentDirectory: dir.url) {
                backend, _ in
                let text = backend.stderr
                for message in [
                    "Unknown key 'backend.lisen' in app-config.yaml:4; did you mean 'backend.listen'?",
                    "Unknown key 'search.maxTermLenght' in app-config.local.yaml:2; did you mean 'search.maxTermLength'?",
                ] {
                    #expect(text.components(separatedBy: message).count == 2, "\(text)")
                    #expect(text.contains("warning backend: [BackendRuntime] \(message)"), "\(text)")
                }
            }
        }
    }

    @Test("config schema prints JSON Schema with the host's and the sample plugins' keys")
    func schemaOutput() async throws {
        let result = try await BackendProcess.run(["config", "schema"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        func node(_ path: String) -> [String: Any]? {
            var current: [String: Any]? = document
            for segment in path.split(separator: ".") {
                if segment == "[]" {
                    current = current?["items"] as? [String: Any]
                } else {
                    current = (current?["properties"] as? [String: Any])?[String(segment)] as? [String: Any]
                }
            }
            return current
        }
        for path in [
            "backend.baseUrl", "backend.listen.port", "backend.metrics.listen", "backend.lifecycle.serverShutdownDelay",
            "backend.database.connection.password", "discovery.endpoints.[].target", "catalog.locations.[].target",
            "catalog.fileLocationRoots", "catalog.rules.[].allow", "catalog.readonly", "catalog.limits.pageSize",
            "scaffolder.concurrentTasksLimit", "scaffolder.maxTasks", "scaffolder.maxOpenTasksPerCaller",
            "search.collators.catalog.schedule.frequency", "search.maxTermLength", "search.maxTermTokens",
        ] {
            #expect(node(path)?["description"] is String, "\(path) is not declared")
        }
        #expect(node("backend.auth.keys.[].secret")?["visibility"] as? String == "secret")
        #expect(node("catalog.limits.pageSize")?["default"] as? Int == 1000)
        #expect(node("backend")?["additionalProperties"] as? Bool == false)
    }

    /// The configs the repository ships, each checked as it is meant to be used (working directory, environment).
    struct RepositoryConfig: Sendable, CustomTestStringConvertible {
        let files: [String]
        let directory: String
        var environment: [String: String] = [:]
        var testDescription: String { "\(directory)/\(files.joined(separator: " + "))" }
    }

    static let secret = "c2VjcmV0LWtleS1mb3ItY29uZmlnLWNoZWNrLTAxMjM0NTY3"
    static let postgres = [
        "POSTGRES_HOST": "127.0.0.1", "POSTGRES_PORT": "5432", "POSTGRES_USER": "backstage", "POSTGRES_PASSWORD": "x",
    ]

    /// Every config file of the repository: the sample's, the production overlay, the examples and the deployments'.
    static var repositoryConfigs: [RepositoryConfig] {
        let environment = postgres.merging(
            ["BACKEND_SECRET": secret, "CATALOG_SECRET": secret, "SCAFFOLDER_SECRET": secret, "SEARCH_SECRET": secret]
        ) { a, _ in a }
        var configs = [
            RepositoryConfig(files: ["app-config.yaml"], directory: "."),
            RepositoryConfig(
                files: ["app-config.yaml", "app-config.production.yaml"], directory: ".", environment: environment),
            RepositoryConfig(files: ["app-config.yaml"], directory: "Examples/hello-plugin"),
        ]
        for directory in ["Examples/three-deployments", "deploy/kubernetes/three-deployments/config"] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: Repository.path(directory).path)) ?? []
            for name in names.sorted() where name.hasSuffix(".yaml") {
                configs.append(RepositoryConfig(files: [name], directory: directory, environment: environment))
            }
        }
        return configs
    }

    @Test("every config in the repository passes config check --strict", arguments: repositoryConfigs)
    func repositoryConfigsPassStrict(config: RepositoryConfig) async throws {
        try await TemporaryDirectory.with { dir in
            // The deployments' configs name ../Examples: the image's layout, /app/config next to /app/Examples.
            var directory = Repository.path(config.directory)
            if config.directory.hasPrefix("deploy/") {
                try FileManager.default.createSymbolicLink(
                    at: dir.url.appendingPathComponent("Examples"), withDestinationURL: Repository.path("Examples"))
                for file in config.files {
                    let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
                    try dir.write("config/\(file)", text)
                }
                directory = dir.url.appendingPathComponent("config")
            }
            let arguments = ["config", "check", "--strict"] + config.files.flatMap { ["--config", $0] }
            let result = try await BackendProcess.run(
                arguments, environment: config.environment, currentDirectory: directory)
            #expect(result.exitCode == 0, "\(result.stderr)")
            #expect(!result.stderr.contains("Unknown key"), "\(result.stderr)")
        }
    }
}
