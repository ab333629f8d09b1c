/// ISO 8601 UTC timestamps (`2026-11-29T05:00:00.123Z`), the form Backstage's JSON bodies use, formatted
/// without Foundation: the one timestamp formatter of the framework (task records, search status, token
/// rejection reasons such as `expired at …`).
///
/// ```swift
/// SystemClock().timestamp()                 // "2026-12-01T07:40:12.345Z"
/// ISO8601Timestamp.format(0)                 // "1970-01-01T00:00:00Z"
/// ISO8601Timestamp.format(0, milliseconds: .always)  // "1970-01-01T00:00:00.000Z"
/// ```
public enum ISO8601Timestamp {
    /// When the `.mmm` part is written.
    public enum Milliseconds: Sendable {
        /// Only when the time has a fractional second.
        case whenNonZero
        /// Always, as JavaScript's `Date.toISOString()` writes them.
        case always
    }

    /// `YYYY-MM-DDTHH:MM:SS[.mmm]Z` for Unix `seconds`. Values outside ±10^11 seconds (years beyond ±5000) are
    /// printed as the raw number instead.
    public static func format(_ seconds: Double, milliseconds: Milliseconds = .whenNonZero) -> String {
        guard seconds.isFinite, abs(seconds) < 100_000_000_000 else { return "\(seconds)" }
        let whole = seconds.rounded(.down)
        var millis = Int(((seconds - whole) * 1000).rounded(.down))
        if millis > 999 { millis = 999 }
        return format(wholeSeconds: Int(whole), millis: millis, milliseconds: milliseconds)
    }

    /// `YYYY-MM-DDTHH:MM:SS[.mmm]Z` for whole Unix seconds and milliseconds (``SystemClock`` reads them as integers).
    static func format(wholeSeconds total: Int, millis: Int, milliseconds: Milliseconds) -> String {
        let days = total >= 0 ? total / 86_400 : (total - 86_399) / 86_400
        let secondOfDay = total - days * 86_400
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        var text =
            "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T"
            + "\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay % 3600 / 60, 2)):\(pad(secondOfDay % 60, 2))"
        if millis > 0 || milliseconds == .always { text += ".\(pad(millis, 3))" }
        return text + "Z"
    }

    /// Howard Hinnant's `civil_from_days`: proleptic Gregorian date of a day count since 1970-01-01.
    static func civilDate(daysSinceEpoch: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = daysSinceEpoch + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(abs(value))
        let sign = value < 0 ? "-" : ""
        return sign + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
