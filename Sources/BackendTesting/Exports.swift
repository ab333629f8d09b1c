// The log records of ``TestLogs`` are swift-log's `InMemoryLogHandler.Entry`; re-exported so that a test reads
// their `message` and `metadata` with `import BackendTesting` alone. The module holds that one type.
@_exported import InMemoryLogging
