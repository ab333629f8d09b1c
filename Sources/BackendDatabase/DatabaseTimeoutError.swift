import BackendJSON

/// A statement ran past `backend.database.statementTimeout` and was cancelled: PostgreSQL's `statement_timeout`
/// (SQLSTATE 57014) or, on SQLite, the interrupt at the deadline.
///
/// The database answered, so this is no outage (``PluginDatabase/isOutage(_:)`` is false, nothing is logged as
/// unreachable): the statement was too slow, because of its own shape or the load on the database. The session's
/// transaction is rolled back and its connection stays usable. The host answers it with `503 ServiceUnavailableError`:
///
/// `The catalog plugin's database did not answer within 30s (backend.database.statementTimeout)`
public struct DatabaseTimeoutError: Error, Sendable, CustomStringConvertible {
    /// The plugin whose database it is.
    public let pluginId: String
    /// The deadline that passed.
    public let timeout: Duration

    /// A statement of `pluginId`'s database cancelled after `timeout`.
    public init(pluginId: String, timeout: Duration) {
        self.pluginId = pluginId
        self.timeout = timeout
    }

    /// `The <pluginId> plugin's database did not answer within <timeout> (backend.database.statementTimeout)`: the
    /// caller's message and the log line alike (it names no address and no SQL).
    public var description: String {
        "The \(pluginId) plugin's database did not answer within \(Self.format(timeout)) "
            + "(\(DatabaseSettings.statementTimeoutKey))"
    }

    /// `30s`, `1.5s` or `250ms`: how a duration reads in messages.
    static func format(_ duration: Duration) -> String {
        let milliseconds = duration.milliseconds
        if milliseconds < 1000 { return "\(milliseconds)ms" }
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000)s" }
        let tenths = milliseconds / 100
        return tenths * 100 == milliseconds ? "\(tenths / 10).\(tenths % 10)s" : "\(milliseconds)ms"
    }
}
