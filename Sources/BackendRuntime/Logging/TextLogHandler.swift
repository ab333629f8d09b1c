import BackendKit
import Foundation
import Logging

/// The text log format: swift-log's `StreamLogHandler` lines on standard error, character for character, with the
/// metadata rendered when a line is written instead of whenever it changes.
///
/// ```text
/// 2026-12-01T10:20:41+0000 info backend: plugin=catalog [BackendKit] Mounted plugin 'catalog' at /api/catalog
/// ```
///
/// One log call is always one line: control characters in the message and in metadata keys and values are written
/// as escapes (see ``escapingControlCharacters(_:)``), so a value a caller chose (an entity's `owner`, a path) cannot
/// end the line and forge another. Text without control characters is written as `StreamLogHandler` writes it.
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
            ? ""
            : " "
                + merged.sorted { $0.key < $1.key }
                .map { "\(Self.escapingControlCharacters($0.key))=\(Self.escapingControlCharacters("\($0.value)"))" }
                .joined(separator: " ")
        let label = Self.escapingControlCharacters(label)
        sink(
            "\(Self.timestamp()) \(event.level)\(label.isEmpty ? "" : " ")\(label):\(rendered) "
                + "[\(Self.escapingControlCharacters(event.source))] "
                + "\(Self.escapingControlCharacters(event.message.description))\n")
    }

    /// `text` with its control characters escaped, so it stays on one line: line feed as `\n`, carriage return as
    /// `\r`, tab as `\t`, and every other C0 control (U+0000–U+001F), DEL (U+007F), C1 control (U+0080–U+009F, which
    /// some terminals read as escape sequences) and the Unicode line and paragraph separators (U+2028, U+2029) as
    /// `\u{…}` with the scalar's hexadecimal value in capitals (`\u{1B}` for ESC, `\u{0}` for NUL), as Swift writes
    /// them. A backslash itself is written as it is. Text without such characters is returned unchanged (a scan of
    /// its UTF-8 bytes, no copy).
    public static func escapingControlCharacters(_ text: String) -> String {
        // Every escaped scalar has a UTF-8 byte below 0x20, 0x7F, or a lead byte 0xC2 (U+0080–U+00BF) or 0xE2
        // (U+2000–U+2FFF); text without those bytes needs no look at its scalars.
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == 0xC2 || $0 == 0xE2 }) else { return text }
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0A: escaped += "\\n"
            case 0x0D: escaped += "\\r"
            case 0x09: escaped += "\\t"
            case 0x00..<0x20, 0x7F...0x9F, 0x2028, 0x2029:
                escaped += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
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
