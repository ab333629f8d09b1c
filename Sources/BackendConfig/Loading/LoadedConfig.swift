import BackendJSON

/// The result of `ConfigLoader.load(paths:)`.
public struct LoadedConfig: Sendable {
    /// The typed reader over the merged tree.
    public let config: Config
    /// The config files that were read, in order (for `Loaded config from a, b`); included files are not listed.
    public let files: [String]
    /// The merged tree (for `config print`); absent and `null` object entries are omitted.
    public let value: JSONValue

    /// Creates a loaded config (mostly for tests; `ConfigLoader` builds these).
    public init(config: Config, files: [String], value: JSONValue) {
        self.config = config
        self.files = files
        self.value = value
    }
}
