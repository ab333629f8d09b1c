import BackendJSON
import BackendKit
import Foundation
import Logging

/// A swift-log handler writing one JSON object per line to standard output, for log shippers:
///
/// ```json
/// {"timestamp":"2026-12-01T10:20:41.123Z","level":"info","message":"Listening on 127.0.0.1:7007","label":"backend"}
/// {"timestamp":"2026-12-01T10:20:42.001Z","level":"info","message":"GET /api/catalog/entities 200 0ms","label":"backend","plugin":"catalog","duration_ms":0,"method":"GET","status":200}
/// ```
///
/// `timestamp` is ISO 8601 UTC with milliseconds; `plugin` is there when the line belongs to one; every other
/// metadata value becomes a member (strings as strings, numbers and booleans logged as values as JSON numbers and
/// booleans, nested dictionaries and arrays as JSON). The writer escapes
/// every control character, so a message cannot break a line. Nothing here adds data the text format would not
/// print: what the leak tests keep out of one format stays out of the other.
public struct JSONLogHandler: LogHandler {
    /// The logger's label.
    public let label: String
    /// The handler's level.
    public var logLevel: Logger.Level = .info
    /// Metadata attached to every line of this logger.
    public var metadata: Logger.Metadata = [:]
    /// Where lines go (standard output unless a test gives its own).
    private let sink: @Sendable (String) -> Void

    /// A handler for `label` writing to standard output.
    public init(label: String) {
        self.init(label: label, sink: JSONLogHandler.standardOutput)
    }

    /// A handler for `label` writing each line (without its newline) to `sink`.
    public init(label: String, sink: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes one line.
    public func log(event: LogEvent) {
        let (level, extra) = (event.level, event.metadata)
        var members: JSONObject = [
            "timestamp": .string(SystemClock().timestamp()),
            "level": .string(level.rawValue),
            "message": .string(event.message.description),
            "label": .string(label),
        ]
        var merged = metadata
        if let extra { merged.merge(extra) { _, new in new } }
        if let plugin = merged.removeValue(forKey: "plugin") { members["plugin"] = Self.json(plugin) }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) where members[key] == nil {
            members[key] = Self.json(value)
        }
        if level >= .error {
            members["source"] = .string("\(event.source) \(event.file):\(event.line)")
        }
        sink(JSONValue.object(members).jsonText())
    }

    private static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let convertible): json(convertible)
        case .array(let values): .array(values.map(json))
        case .dictionary(let members):
            .object(JSONObject(members.sorted { $0.key < $1.key }.map { ($0.key, json($0.value)) }))
        }
    }

    /// Numbers and booleans logged as values (`"status": .stringConvertible(200)`) stay numbers and booleans, so a
    /// log query can compare them (`status >= 500`); anything else is its description.
    private static func json(_ value: any CustomStringConvertible & Sendable) -> JSONValue {
        switch value {
        case let flag as Bool: .bool(flag)
        case let number as any BinaryInteger:
            Int(exactly: number).map(JSONValue.int) ?? .string(value.description)
        case let number as Double where number.isFinite: .double(number)
        case let number as Float where number.isFinite: .double(Double(number))
        default: .string(value.description)
        }
    }

    private static let standardOutput: @Sendable (String) -> Void = { line in
        LogFormat.write(line + "\n", to: STDOUT_FILENO)
    }
}
