import InMemoryLogging
import Logging

/// What a test host logged, captured with swift-log's `InMemoryLogHandler`: startup lines, every plugin's
/// `env.logger` lines (metadata `plugin`) and one line per request (`GET /api/hello/greeting 200 1ms`, metadata
/// `method`, `path`, `status`, `duration_ms` and the caller's `subject`).
///
/// ```swift
/// let line = client.logs.entries.last { $0.message.description.hasPrefix("GET /api/hello/whoami") }
/// #expect(line?.metadata["subject"] == "ci-bot")
/// ```
///
/// A test that hands a logger to something it builds itself, rather than to a test host, captures into a
/// capture of its own:
///
/// ```swift
/// let logs = TestLogs()
/// let cache = GreetingCache(logger: logs.logger(level: .debug))
/// cache.evictAll()
/// #expect(logs.messages == ["Evicted 0 greetings"])
/// ```
public struct TestLogs: Sendable {
    let handler: InMemoryLogHandler

    /// An empty capture.
    public init() {
        handler = InMemoryLogHandler()
    }

    /// A logger labelled `backend` at `level` writing into this capture; every logger made from one capture
    /// writes into the same records.
    public func logger(level: Logger.Level = .info) -> Logger {
        let handler = self.handler
        var logger = Logger(label: "backend") { _ in handler }
        logger.logLevel = level
        return logger
    }

    /// Every record so far, oldest first.
    public var entries: [InMemoryLogHandler.Entry] { handler.entries }

    /// Every message so far, oldest first.
    public var messages: [String] { entries.map(\.message.description) }

    /// The request lines of the caller whose subject is `subject` (metadata `subject`), oldest first.
    public func requests(bySubject subject: String) -> [InMemoryLogHandler.Entry] {
        entries.filter { $0.metadata["subject"] == .string(subject) }
    }

    /// Forgets everything captured so far.
    public func clear() {
        handler.clear()
    }
}
