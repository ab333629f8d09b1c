import BackendDatabase
/// A plugin's database outage, as the caller sees it: `503 ServiceUnavailableError`,
/// `The catalog plugin's database is unavailable; try again later`. The driver's reason and where the database is
/// go to the log only (``PluginDatabase`` writes it once per outage).
extension DatabaseUnavailableError: BackendError {
    /// `ServiceUnavailableError`.
    public var name: String { ServiceUnavailableError.errorName }

    /// `The <pluginId> plugin's database is unavailable; try again later`.
    public var message: String { DatabaseOutageMessage.text(pluginId: pluginId) }

    /// `503 Service Unavailable`.
    public var status: HTTPResponse.Status { ServiceUnavailableError.errorStatus }

    /// `Retry-After` (``DatabaseOutageMessage/retryAfterSeconds``): clients that honour it wait instead of hammering a
    /// database that is coming back.
    public var responseHeaders: HTTPFields { DatabaseOutageMessage.retryAfter }
}

/// A database that could not be opened on first use after startup answers as an outage does (at startup the same
/// error fails the plugin instead, with its own message).
extension DatabaseConnectionError: BackendError {
    /// `ServiceUnavailableError`.
    public var name: String { ServiceUnavailableError.errorName }

    /// `The <pluginId> plugin's database is unavailable; try again later`.
    public var message: String { DatabaseOutageMessage.text(pluginId: pluginId) }

    /// `503 Service Unavailable`.
    public var status: HTTPResponse.Status { ServiceUnavailableError.errorStatus }

    /// `Retry-After`, as for any outage.
    public var responseHeaders: HTTPFields { DatabaseOutageMessage.retryAfter }
}

/// The one wording of a database outage for callers.
enum DatabaseOutageMessage {
    /// `The catalog plugin's database is unavailable; try again later`.
    static func text(pluginId: String) -> String {
        "The \(pluginId) plugin's database is unavailable; try again later"
    }

    /// The `Retry-After` of an outage's 503, in seconds: about how long a restarting PostgreSQL takes to accept
    /// connections again.
    static let retryAfterSeconds = 5

    /// `Retry-After: 5`.
    static let retryAfter: HTTPFields = [.retryAfter: String(retryAfterSeconds)]
}

/// A statement cancelled at `backend.database.statementTimeout` answers `503 ServiceUnavailableError` as an outage
/// does, with its own message, which names the deadline and the key an operator may raise:
/// `The catalog plugin's database did not answer within 30s (backend.database.statementTimeout)`.
extension DatabaseTimeoutError: BackendError {
    /// `ServiceUnavailableError`.
    public var name: String { ServiceUnavailableError.errorName }

    /// `The <pluginId> plugin's database did not answer within <timeout> (backend.database.statementTimeout)`.
    public var message: String { description }

    /// `503 Service Unavailable`.
    public var status: HTTPResponse.Status { ServiceUnavailableError.errorStatus }
}
