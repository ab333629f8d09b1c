import Foundation

/// Reads durations from config: a number of milliseconds (`5000`), or a string with a unit
/// (`"500ms"`, `"5s"`, `"2m"`, `"1h"`; a bare numeric string is milliseconds).
enum ConfigDuration {
    /// The duration at `key`, or `nil` when absent.
    ///
    /// - Throws: `ConfigError` for a wrong type, an unknown unit or a negative value.
    static func read(_ config: Config, _ key: String) throws -> Duration? {
        guard let value = config.getOptional(key) else { return nil }
        let file = config.source(of: key)?.name ?? "<unknown>"
        let invalid = ConfigError(
            "Invalid duration in config for key '\(key)' in '\(file)', wanted milliseconds or a string such as '500ms', '5s', '2m' or '1h'"
        )
        switch value {
        case .number(let milliseconds):
            guard milliseconds.isFinite, milliseconds >= 0 else { throw invalid }
            return .milliseconds(milliseconds)
        case .string(let text):
            guard let duration = parse(text) else { throw invalid }
            return duration
        default:
            throw ConfigError(
                "Invalid type in config for key '\(key)' in '\(file)', got \(value.typeName), wanted number or string"
            )
        }
    }

    /// Parses `"<number>[ms|s|m|h]"`; `nil` when malformed or negative.
    static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(suffix: String, milliseconds: Double)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
        var number = Substring(trimmed)
        var scale = 1.0
        for unit in units where trimmed.hasSuffix(unit.suffix) {
            number = trimmed.dropLast(unit.suffix.count)
            scale = unit.milliseconds
            break
        }
        guard let value = Double(number.trimmingCharacters(in: .whitespaces)), value.isFinite, value >= 0 else {
            return nil
        }
        return .milliseconds(value * scale)
    }
}
