import Foundation

/// The environment the backend runs in: `development` (the default) or `production`.
public enum BackendEnvironment: String, Sendable, CaseIterable {
    /// Local development; lenient defaults such as a generated auth key.
    case development
    /// Production; missing security configuration is a startup error.
    case production

    /// Parses a `BACKEND_ENV` / `--env` value (surrounding whitespace ignored).
    ///
    /// - Throws: `ConfigError` `Invalid <origin> '<value>', expected development or production`.
    public init(parsing value: String, origin: String = "BACKEND_ENV") throws {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let parsed = BackendEnvironment(rawValue: trimmed) else {
            throw ConfigError("Invalid \(origin) '\(value)', expected development or production")
        }
        self = parsed
    }

    /// Reads `BACKEND_ENV` from `env`; unset or empty means `development`.
    ///
    /// - Throws: `ConfigError` when the variable holds anything but `development` or `production`.
    public static func fromProcess(
        _ env: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> BackendEnvironment {
        guard let value = env["BACKEND_ENV"],
            !value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        else { return .development }
        return try BackendEnvironment(parsing: value)
    }
}
