import InMemoryLogging
import Logging

/// The tests capture logs with swift-log's `InMemoryLogHandler`; these read a capture the way their assertions do.
extension InMemoryLogHandler {
    /// A logger writing into this capture, at `trace` so that every level is kept.
    var logger: Logger {
        var handler = self
        handler.logLevel = .trace
        return Logger(label: "test") { _ in handler }
    }

    /// The messages logged at `warning`, oldest first.
    var warnings: [String] {
        entries.filter { $0.level == .warning }.map(\.message.description)
    }
}
