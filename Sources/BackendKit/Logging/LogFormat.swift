import Foundation

/// How the host writes its log: human-readable lines (development) or one JSON object per line (production).
///
/// `LOG_FORMAT=json` or `LOG_FORMAT=text` overrides the environment's default.
public enum LogFormat: String, Sendable, CaseIterable {
    /// swift-log's `StreamLogHandler` lines on standard error.
    case text
    /// ``JSONLogHandler`` objects on standard output.
    case json

    /// `LOG_FORMAT` from `variables`, else `json` in production and `text` in development.
    ///
    /// - Throws: ``BackendStartupError`` `Invalid LOG_FORMAT '<value>', expected 'json' or 'text'`.
    public static func resolve(environment: BackendEnvironment, variables: [String: String]) throws -> LogFormat {
        if let text = variables["LOG_FORMAT"], !text.isEmpty {
            guard let format = LogFormat(rawValue: text.lowercased()) else {
                throw BackendStartupError("Invalid LOG_FORMAT '\(text)', expected 'json' or 'text'")
            }
            return format
        }
        return environment == .production ? .json : .text
    }

    /// A logger labelled `label` at `level` in this format.
    public func logger(label: String, level: Logger.Level) -> Logger {
        var logger: Logger
        switch self {
        case .text: logger = Logger(label: label)
        case .json: logger = Logger(label: label) { JSONLogHandler(label: $0) }
        }
        logger.logLevel = level
        return logger
    }
}
