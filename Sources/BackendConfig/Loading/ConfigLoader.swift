import BackendJSON
import Foundation

/// Loads config files, applies substitutions and directives, merges the layers, and applies
/// `APP_CONFIG_` environment overrides.
///
/// - Files: with no paths, `app-config.yaml` plus `app-config.local.yaml` if present, both in
///   `workingDirectory`. Explicit paths replace the defaults; later files win. Relative paths are resolved
///   against `workingDirectory` and reported as given.
/// - Merge: objects deep-merge; arrays and scalars are replaced whole; an explicit `null` makes the key
///   absent (it blocks lower layers). A value that is absent because of a missing environment variable does
///   not block: lower layers show through, and if none has the key the reader's missing-value error names
///   the variable.
/// - Strings: `${VAR}` (name trimmed), `${VAR:-default}` (default when unset or empty), `$${` → literal `${`.
///   A string that references a missing variable becomes absent (Backstage behaviour); such array
///   elements are dropped.
/// - Directives, objects whose only key is `$env: NAME`, `$file: path` (file text with trailing whitespace
///   trimmed) or `$include: path[#a.b]` (`.yaml`, `.yml` or `.json`; cycles refused). Paths are relative to
///   the file containing the directive. A directive key beside other keys is an error; other `$` keys are
///   ordinary keys.
/// - Overrides: `APP_CONFIG_backend_listen_port=7008` sets `backend.listen.port`; the value is parsed as
///   JSON, else taken as a string; JSON `null` is refused. Their source is `env`.
/// - Files: only regular files are read (a directory, FIFO, socket or device such as `/dev/zero` is
///   refused without being opened for reading), each at most once per load (cached by resolved path),
///   and never more than `maxFileSize` + 1 bytes. `$include` cycles are found by resolved (`realpath`)
///   path, so a cycle through a symlink (`l -> .`, `$include: l/a.yaml`) is refused too.
/// - Limits: each file is at most `maxFileSize` bytes; YAML nesting and alias expansion are capped (see
///   `maxDepth` and `maxAliasExpansion`). One budget covers the whole load: `maxTotalBytes` bytes read,
///   `maxTotalNodes` nodes in the loaded tree (after `$include` expansion) and `maxIncludeExpansions`
///   `$include` directives. Every refusal names the file, the key and the limit.
public struct ConfigLoader: Sendable {
    /// The largest config file accepted: 16 MiB. Larger files fail with
    /// `<file>: config file is too large (N bytes, limit 16777216)`.
    public static let maxFileSize = 16 * 1024 * 1024
    /// The maximum nesting depth of a config tree (also across `$include`s).
    public static let maxDepth = YAMLParser.maxDepth
    /// The maximum number of nodes YAML alias expansion may add to one file.
    public static let maxAliasExpansion = YAMLParser.maxAliasExpansion
    /// The most bytes one load reads from all files together: 32 MiB. A `$file` target that is
    /// expanded again (from the load's cache) counts again, because its text is copied into the tree.
    public static let maxTotalBytes = 32 * 1024 * 1024
    /// The most nodes (values) the loaded tree of one load may have, counting every copy that
    /// `$include` makes: 2,000,000 (a 15 MB config of ordinary shape has about 1,400,000).
    public static let maxTotalNodes = 2_000_000
    /// The most `$include` directives one load expands (each occurrence counts, also when its file
    /// was already read): 1,000.
    public static let maxIncludeExpansions = 1_000
    /// The prefix of override variables.
    public static let environmentPrefix = "APP_CONFIG_"

    /// Variables for substitution, `$env` and `APP_CONFIG_` overrides.
    public let environment: [String: String]
    /// The directory default files and relative paths are resolved against.
    public let workingDirectory: String

    /// Creates a loader; both parameters are injectable for tests.
    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        workingDirectory: String = FileManager.default.currentDirectoryPath
    ) {
        self.environment = environment
        self.workingDirectory = workingDirectory
    }

    /// Loads `paths` (or the default files when empty), merges them, and applies environment overrides.
    ///
    /// - Throws: `ConfigError` for missing or unreadable files, YAML errors, failed directives, and invalid
    ///   overrides.
    public func load(paths: [String]) throws -> LoadedConfig {
        let files = try configFiles(paths)
        let budget = ConfigLoadBudget()
        var merged = ConfigNode(.object(NodeObject()), source: files.first?.source ?? .environment)
        for file in files {
            let root = try parseFile(file, budget: budget)
            let transformed = try transform(root, key: "", file: file, depth: 0, budget: budget)
            merged = Self.merge(merged, transformed)
        }
        // The cached trees are not needed any more; free them before the tree is converted below.
        budget.releaseCachedTrees()
        if let overrides = try environmentOverrides() {
            merged = Self.merge(merged, overrides)
        }
        return LoadedConfig(
            config: Config(node: merged, prefix: ""),
            files: files.map(\.displayName),
            value: merged.toValue() ?? [:]
        )
    }

    /// Parses YAML or JSON text (no substitutions or directives) into a value, keeping `null`s; used for
    /// tests and tools.
    ///
    /// - Throws: `ConfigError` with `<source>:<line>:<column>: <problem>` for malformed text.
    public static func parse(yaml text: String, source: String = "<memory>") throws -> JSONValue {
        let node = try YAMLParser(source: ConfigSource(name: source)).parse(Array(text.utf8), requireObject: false)
        return node.toValue(keepingNulls: true) ?? .null
    }

    private func configFiles(_ paths: [String]) throws -> [ConfigFile] {
        guard paths.isEmpty else {
            return paths.map { ConfigFile(name: $0, workingDirectory: workingDirectory) }
        }
        let main = ConfigFile(name: "app-config.yaml", workingDirectory: workingDirectory)
        guard FileManager.default.fileExists(atPath: main.path) else {
            throw ConfigError(
                "app-config.yaml: config file not found in \(workingDirectory) (use --config FILE to choose files)"
            )
        }
        let local = ConfigFile(name: "app-config.local.yaml", workingDirectory: workingDirectory)
        return FileManager.default.fileExists(atPath: local.path) ? [main, local] : [main]
    }

    /// Reads and parses one top-level YAML/JSON file (cached for the load), whose root must be an object.
    func parseFile(_ file: ConfigFile, budget: ConfigLoadBudget) throws -> ConfigNode {
        let root = try parsedFile(file, budget: budget) { problem in ConfigError("\(file.displayName): \(problem)") }
        switch root.content {
        case .object: return root
        case .null: return ConfigNode(.object(NodeObject()), source: root.source)
        default: throw ConfigError("\(file.displayName): expected object at config root")
        }
    }

    /// The parsed tree of `file` (any root), read and parsed once per load; `failure` turns a problem
    /// reading the file into an error.
    func parsedFile(
        _ file: ConfigFile, budget: ConfigLoadBudget, failure: (String) -> ConfigError
    ) throws -> ConfigNode {
        if let cached = budget.parsedFile(at: file.resolvedPath) { return cached }
        let bytes = try Self.readFile(file, budget: budget, failure: failure)
        let node = try YAMLParser(source: file.source).parse(bytes, requireObject: false)
        budget.rememberParsedFile(node, at: file.resolvedPath)
        return node
    }
}
