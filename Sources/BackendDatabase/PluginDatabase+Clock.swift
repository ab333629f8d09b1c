import BackendJSON
import Foundation
import SQLKit

extension PluginDatabase {
    /// SQL expressions for the database server's clock, as ISO 8601 UTC text with milliseconds
    /// (`2026-12-01T09:50:47.123Z`) on both engines.
    ///
    /// Replicas of one deployment compare times written by different processes (a scheduler lease, a task's
    /// heartbeat), so every such time is taken from the one clock they share: the database's. The text form sorts
    /// in time order, so `<` and `MAX` on it mean earlier and later, on SQLite (which has no timestamp type) and
    /// PostgreSQL alike.
    ///
    /// ```swift
    /// let clock = env.database.clock
    /// try await db.update("leases").set("expires_at", to: clock.now(plus: .seconds(30)))
    ///     .where(SQLColumn("expires_at"), .lessThan, clock.now).run()
    /// ```
    public var clock: DatabaseClock { DatabaseClock(dialect: dialect) }
}

/// The database server's clock as SQL expressions; see ``PluginDatabase/clock``.
public struct DatabaseClock: Sendable {
    /// The engine whose clock functions the expressions use.
    let dialect: Dialect

    /// The current time.
    public var now: SQLQueryString { now(plus: .zero) }

    /// The current time plus `offset` (negative for the past).
    public func now(plus offset: Duration) -> SQLQueryString {
        switch dialect {
        case .sqlite:
            "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '\(unsafeRaw: Self.seconds(offset)) seconds')"
        case .postgresql:
            Self.postgresText("now() + interval '\(Self.seconds(offset)) seconds'")
        }
    }

    /// The time in `column` (text written by this clock) plus `offset`.
    public func time(in column: String, plus offset: Duration) -> SQLQueryString {
        switch dialect {
        case .sqlite:
            "strftime('%Y-%m-%dT%H:%M:%fZ', \(ident: column), '\(unsafeRaw: Self.seconds(offset)) seconds')"
        case .postgresql:
            Self.postgresText("\(Self.quoted(column))::timestamptz + interval '\(Self.seconds(offset)) seconds'")
        }
    }

    /// The later of two times of this clock.
    public func later(_ first: SQLQueryString, _ second: SQLQueryString) -> SQLQueryString {
        switch dialect {
        case .sqlite: "max(\(first), \(second))"
        case .postgresql: "GREATEST(\(first), \(second))"
        }
    }

    /// `±seconds` with millisecond precision, for an interval literal (a number this code formats, never input).
    static func seconds(_ offset: Duration) -> String {
        let milliseconds = offset.milliseconds
        let sign = milliseconds < 0 ? "-" : "+"
        let magnitude = milliseconds.magnitude
        let fraction = String(magnitude % 1000)
        return "\(sign)\(magnitude / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }

    private static func postgresText(_ time: String) -> SQLQueryString {
        "to_char((\(unsafeRaw: time)) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
    }

    private static func quoted(_ column: String) -> String {
        "\"" + column.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
