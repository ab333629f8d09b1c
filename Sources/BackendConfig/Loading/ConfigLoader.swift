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
/// - Limits: each file is at most `maxFileSize` bytes; YAML nesting and alias expansion are capped (see
///   `maxDepth` and `maxAliasExpansion`).
public struct ConfigLoader: Sendable {
    /// The largest config file accepted: 16 MiB. Larger files fail with
    /// `<file>: config file is too large (N bytes, limit 16777216)`.
    public static let maxFileSize = 16 * 1024 * 1024
    /// The maximum nesting depth of a config tree (also across `$include`s).
    public static let maxDepth = YAMLParser.maxDepth
    /// The maximum number of nodes YAML alias expansion may add to one file.
    public static let maxAliasExpansion = YAMLParser.maxAliasExpansion
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
        var merged = ConfigNode(.object(NodeObject()), source: files.first?.source ?? .environment)
        for file in files {
            let root = try parseFile(file, requireObject: true)
            let transformed = try transform(root, key: "", file: file, depth: 0)
            merged = Self.merge(merged, transformed)
        }
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

    /// Reads and parses one YAML/JSON file.
    func parseFile(_ file: ConfigFile, requireObject: Bool) throws -> ConfigNode {
        let bytes = try Self.readFile(at: file.path) { problem in ConfigError("\(file.displayName): \(problem)") }
        return try YAMLParser(source: file.source).parse(bytes, requireObject: requireObject)
    }

    /// Reads a file of at most `maxFileSize` bytes; `failure` turns a problem description into an error.
    static func readFile(at path: String, failure: (String) -> ConfigError) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw failure("no such file")
        }
        guard !isDirectory.boolValue else { throw failure("is a directory, not a file") }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw failure("cannot be read (permission denied)")
        }
        defer { try? handle.close() }
        do {
            let size = try handle.seekToEnd()
            guard size <= UInt64(maxFileSize) else {
                throw failure("config file is too large (\(size) bytes, limit \(maxFileSize))")
            }
            try handle.seek(toOffset: 0)
            return [UInt8](try handle.readToEnd() ?? Data())
        } catch let error as ConfigError {
            throw error
        } catch {
            throw failure("cannot be read (\(error.localizedDescription))")
        }
    }
}
