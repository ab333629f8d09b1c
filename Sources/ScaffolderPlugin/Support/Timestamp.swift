import Foundation

/// ISO 8601 timestamps with milliseconds, as Backstage prints them (`2024-05-01T12:00:00.123Z`).
enum Timestamp {
    /// The current time.
    static func now() -> String {
        string(from: Date())
    }

    /// Formats `date` in UTC.
    static func string(from date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
    }
}
