import Foundation

/// The text log format: swift-log's `StreamLogHandler` lines on standard error, character for character, with the
/// metadata rendered when a line is written instead of whenever it changes.
///
/// ```text
/// 2026-12-01T10:20:41+0000 info backend: plugin=catalog [BackendKit] Mounted plugin 'catalog' at /api/catalog
/// ```
///
/// Why not `StreamLogHandler` itself: Hummingbird tags the logger of every request with `hb.request.id`, and
/// `StreamLogHandler` re-renders its whole metadata (sorted, joined) on every such write. In the HTTP benchmark that
/// was about one in seven of the host's allocations per request, for lines that are mostly never written
/// (BENCHMARKS.md, section 4).
public struct TextLogHandler: LogHandler {
    /// The logger's label.
    public let label: String
    /// The handler's level.
    public var logLevel: Logger.Level = .info
    /// Metadata attached to every line of this logger.
    public var metadata: Logger.Metadata = [:]
    /// Metadata added to every line at the time it is written, as `StreamLogHandler` takes it from `LoggingSystem`.
    public var metadataProvider: Logger.MetadataProvider?
    /// Where lines go (standard error unless a test gives its own).
    private let sink: @Sendable (String) -> Void

    /// A handler for `label` writing to standard error.
    public init(label: String) {
        self.init(label: label) { LogFormat.write($0, to: STDERR_FILENO) }
    }

    /// A handler for `label` writing each line (with its newline) to `sink`.
    public init(label: String, sink: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.metadataProvider = LoggingSystem.metadataProvider
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes one line: `<timestamp> <level> <label>: <key=value …> [<source>] <message>`.
    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get(), !provided.isEmpty {
            merged.merge(provided) { _, provided in provided }
        }
        if let explicit = event.metadata, !explicit.isEmpty {
            merged.merge(explicit) { _, explicit in explicit }
        }
        if let error = event.error {
            merged["error.message"] = "\(error)"
            merged["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        let rendered =
            merged.isEmpty
            ? "" : " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        sink(
            "\(Self.timestamp()) \(event.level)\(label.isEmpty ? "" : " ")\(label):\(rendered) [\(event.source)] "
                + "\(event.message)\n")
    }

    /// Local time as `StreamLogHandler` prints it (`2026-12-01T10:20:41+0000`).
    private static func timestamp() -> String {
        var now = time(nil)
        var local = tm()
        guard localtime_r(&now, &local) != nil else { return "<unknown>" }
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &local)
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
