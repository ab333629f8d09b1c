import Logging
import NIOConcurrencyHelpers

@testable import BackendAuth

/// Collects log lines so tests can assert on warnings.
final class LogRecorder: Sendable {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
    }

    private let entries = NIOLockedValueBox<[Entry]>([])

    /// A logger writing into this recorder.
    var logger: Logger {
        Logger(label: "test") { _ in RecordingLogHandler(recorder: self) }
    }

    var all: [Entry] { entries.withLockedValue { $0 } }

    var warnings: [String] { all.filter { $0.level == .warning }.map(\.message) }

    func record(_ entry: Entry) {
        entries.withLockedValue { $0.append(entry) }
    }
}

struct RecordingLogHandler: LogHandler {
    let recorder: LogRecorder
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        recorder.record(.init(level: event.level, message: event.message.description))
    }
}
