/// Where a configuration value came from.
///
/// The name is a config file path (as given on the command line, or resolved relative to the file that
/// included it), `env` for `APP_CONFIG_` environment overrides, or `<memory>` for configs built in code.
/// A value read from a file also knows its line: the line of the key that holds it (for an array
/// element, the element's own line). A value set by an `APP_CONFIG_` variable knows the variable.
public struct ConfigSource: Sendable, Hashable, CustomStringConvertible {
    /// The file path, `env`, or another descriptive name.
    public let name: String
    /// The 1-based line in the file ``name`` where the value's key is written, or `nil` for values that come from
    /// the environment or from code.
    public let line: Int?
    /// The `APP_CONFIG_` environment variable that set the value (then ``name`` is `env`), or `nil`.
    public let variable: String?

    /// Creates a source with the given name, and optionally the line or the environment variable.
    public init(name: String, line: Int? = nil, variable: String? = nil) {
        self.name = name
        self.line = line
        self.variable = variable
    }

    /// The source for values that come from `APP_CONFIG_` environment variables, when the variable is not known.
    public static let environment = ConfigSource(name: "env")

    /// The source for a value set by the `APP_CONFIG_` variable `variable`.
    public static func environment(variable: String) -> ConfigSource {
        ConfigSource(name: environment.name, variable: variable)
    }

    /// The name, as used in messages.
    public var description: String { name }

    /// Where a user finds the value: `file:line`, the `APP_CONFIG_` variable, or the name.
    public var location: String {
        if let variable { return variable }
        if let line { return "\(name):\(line)" }
        return name
    }

    /// This source at `line` of the same file; a source that names an environment variable has no lines.
    func at(line: Int) -> ConfigSource {
        variable == nil ? ConfigSource(name: name, line: line) : self
    }
}
