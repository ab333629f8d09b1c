import BackendJSON
import Foundation

/// Reads durations from config in every form Backstage accepts (`readDurationFromConfig`):
///
/// - a number of milliseconds: `30000`;
/// - a string of one or more `<number><unit>` parts, units `ms`, `s`, `m`, `h`, `d` (or
///   `milliseconds`, `seconds`, `minutes`, `hours`, `days`): `"30s"`, `"1h 30m"`; a bare
///   numeric string is milliseconds;
/// - an ISO 8601 duration: `"PT30S"`, `"P1DT2H"`;
/// - an object of `weeks`, `days`, `hours`, `minutes`, `seconds`, `milliseconds`: `{seconds: 30}`.
public enum ConfigDuration {
    /// The duration at `key`, or nil when absent; throws `ConfigError` naming the key and file.
    public static func read(_ config: Config, _ key: String) throws -> Duration? {
        guard let value = config.getOptional(key) else { return nil }
        let file = config.source(of: key)?.name ?? "<unknown>"
        guard let milliseconds = milliseconds(value) else {
            throw ConfigError(
                "Invalid duration in config for key '\(key)' in '\(file)', wanted milliseconds, a string such as "
                    + "'30s', '5m' or 'PT1H', or an object such as {seconds: 30}")
        }
        return .milliseconds(milliseconds)
    }

    /// The duration `value` describes, in milliseconds; nil when malformed or negative.
    public static func milliseconds(_ value: JSONValue) -> Double? {
        let result: Double?
        switch value {
        case .int, .double:
            result = value.doubleValue
        case .string(let text):
            result = parse(text)
        case .object(let members):
            var total = 0.0
            for (unit, amount) in members {
                guard let number = amount.doubleValue, let scale = objectUnits[unit] else { return nil }
                total += number * scale
            }
            result = members.isEmpty ? nil : total
        default:
            result = nil
        }
        guard let result, result.isFinite, result >= 0 else { return nil }
        return result
    }

    private static let objectUnits: [String: Double] = [
        "weeks": 604_800_000, "days": 86_400_000, "hours": 3_600_000, "minutes": 60_000, "seconds": 1000,
        "milliseconds": 1,
    ]

    private static let textUnits: [String: Double] = [
        "ms": 1, "millisecond": 1, "milliseconds": 1,
        "s": 1000, "sec": 1000, "second": 1000, "seconds": 1000,
        "m": 60_000, "min": 60_000, "minute": 60_000, "minutes": 60_000,
        "h": 3_600_000, "hour": 3_600_000, "hours": 3_600_000,
        "d": 86_400_000, "day": 86_400_000, "days": 86_400_000,
    ]

    /// Parses the string forms; nil when malformed.
    public static func parse(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let number = Double(trimmed) { return number }
        if trimmed.uppercased().hasPrefix("P") { return parseISO(trimmed.uppercased()) }
        var total = 0.0
        var rest = Substring(trimmed.lowercased())
        var parts = 0
        while !rest.isEmpty {
            rest = rest.drop { $0 == " " }
            let numberText = rest.prefix { $0.isNumber || $0 == "." }
            guard !numberText.isEmpty, let number = Double(numberText) else { return nil }
            rest = rest.dropFirst(numberText.count).drop { $0 == " " }
            let unit = rest.prefix { $0.isLetter }
            guard let scale = textUnits[String(unit)] else { return nil }
            rest = rest.dropFirst(unit.count).drop { $0 == " " || $0 == "," }
            total += number * scale
            parts += 1
        }
        return parts > 0 ? total : nil
    }

    private static func parseISO(_ text: String) -> Double? {
        var total = 0.0
        var inTime = false
        var number = ""
        var parts = 0
        for character in text.dropFirst() {
            if character == "T" {
                guard !inTime, number.isEmpty else { return nil }
                inTime = true
            } else if character.isNumber || character == "." {
                number.append(character)
            } else {
                guard let value = Double(number) else { return nil }
                let scale: Double
                switch (inTime, character) {
                case (false, "W"): scale = 604_800_000
                case (false, "D"): scale = 86_400_000
                case (true, "H"): scale = 3_600_000
                case (true, "M"): scale = 60_000
                case (true, "S"): scale = 1000
                default: return nil
                }
                total += value * scale
                number = ""
                parts += 1
            }
        }
        return parts > 0 && number.isEmpty ? total : nil
    }
}

extension Config {
    /// The duration at `key` in any of ``ConfigDuration``'s forms, or nil when absent.
    ///
    /// ```swift
    /// let frequency = try env.config.getOptionalDuration("search.collators.catalog.frequency") ?? .seconds(600)
    /// ```
    ///
    /// - Throws: `ConfigError` naming the key and file for a malformed or negative duration.
    public func getOptionalDuration(_ key: String) throws -> Duration? {
        try ConfigDuration.read(self, key)
    }
}
