import Foundation
import Logging

/// Reads the `LOG_LEVEL` environment variable.
enum LogLevelEnvironment {
    /// `LOG_LEVEL` as a log level (`trace` … `critical`), or nil when unset or not a level.
    static func level(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Logger.Level? {
        environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) }
    }
}
