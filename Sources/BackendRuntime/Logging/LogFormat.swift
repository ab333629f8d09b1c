import BackendConfig
import BackendKit
import Foundation
import Logging
import NIOConcurrencyHelpers

/// How the host writes its log: human-readable lines (development) or one JSON object per line (production).
///
/// `LOG_FORMAT=json` or `LOG_FORMAT=text` overrides the environment's default.
public enum LogFormat: String, Sendable, CaseIterable {
    /// ``TextLogHandler`` lines (swift-log's `StreamLogHandler` format) on standard error.
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
        case .text: logger = Logger(label: label) { TextLogHandler(label: $0) }
        case .json: logger = Logger(label: label) { JSONLogHandler(label: $0) }
        }
        logger.logLevel = level
        return logger
    }

    /// One `write` per line under a lock, so lines from concurrent tasks never interleave.
    private static let lock = NIOLock()

    /// Writes `line` to the file descriptor `descriptor` (standard output or error), whole.
    static func write(_ line: String, to descriptor: Int32) {
        var text = line
        lock.withLock {
            text.withUTF8 { bytes in
                guard let base = bytes.baseAddress else { return }
                var offset = 0
                while offset < bytes.count {
                    let written = Foundation.write(descriptor, base + offset, bytes.count - offset)
                    if written <= 0 { break }
                    offset += written
                }
            }
        }
    }
}
