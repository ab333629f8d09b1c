/// Where a configuration value came from.
///
/// The name is a config file path (as given on the command line, or resolved relative to the file that
/// included it), `env` for `APP_CONFIG_` environment overrides, or `<memory>` for configs built in code.
public struct ConfigSource: Sendable, Hashable, CustomStringConvertible {
    /// The file path, `env`, or another descriptive name.
    public let name: String

    /// Creates a source with the given name.
    public init(name: String) {
        self.name = name
    }

    /// The source for values that come from `APP_CONFIG_` environment variables.
    public static let environment = ConfigSource(name: "env")

    /// The name, as used in messages.
    public var description: String { name }
}
