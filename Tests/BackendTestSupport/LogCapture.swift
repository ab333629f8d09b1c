import BackendKit
import Foundation
import Logging
import NIOConcurrencyHelpers

/// Captures log lines (level, message, metadata) for assertions.
///
/// ```swift
/// let logs = LogCapture()
/// let logger = logs.logger(level: .debug)
/// …
/// #expect(logs.messages.contains("Listening on 127.0.0.1:7007"))
/// ```
public final class LogCapture: Sendable {
    /// One captured line; `metadata` merges the logger's and the call's, rendered as text.
    public struct Entry: Sendable {
        /// The level it was logged at.
        public let level: Logger.Level
        /// The message.
        public let message: String
        /// The logger's metadata merged with the call's (the call's wins).
        public let metadata: [String: String]
    }

    private let stored = NIOLockedValueBox<[Entry]>([])

    /// An empty capture.
    public init() {}

    /// A logger writing into this capture at `level`.
    public func logger(level: Logger.Level = .info) -> Logger {
        var logger = Logger(label: "capture") { _ in Handler(capture: self) }
        logger.logLevel = level
        return logger
    }

    /// A logger writing into this capture at `info`.
    public var logger: Logger { logger(level: .info) }

    /// Everything logged so far.
    public var entries: [Entry] {
        stored.withLockedValue { $0 }
    }

    /// Every message logged so far.
    public var messages: [String] { entries.map(\.message) }

    fileprivate func append(_ entry: Entry) {
        stored.withLockedValue { $0.append(entry) }
    }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var merged = metadata
            if let extra = event.metadata { merged.merge(extra) { _, new in new } }
            capture.append(
                Entry(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" }))
        }
    }
}
