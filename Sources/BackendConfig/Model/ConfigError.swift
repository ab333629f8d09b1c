/// An error from reading or loading configuration. `description` is exactly the user-facing message.
///
/// Typical messages:
/// - `Missing required config value at '<key>'`
/// - `Missing required config value at '<key>' (environment variable NAME is not set)`
/// - `Invalid type in config for key '<key>' in '<file>', got <type>, wanted <expected>`
/// - `<file>:<line>:<column>: <libyaml problem>` (parse errors; 1-based line and column)
public struct ConfigError: MessageError {
    /// The user-facing message.
    public let message: String

    /// Creates an error with the given message.
    public init(_ message: String) {
        self.message = message
    }
}
